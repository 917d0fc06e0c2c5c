//! The one loom shim (as tokio's `crate::loom`): the atomics, locks and cells of
//! goro's concurrent core come from here, loom's under `--cfg loom` (so that the
//! loom models explore every interleaving of the real code) and std's otherwise.
//!
//! Code whose protocol a loom model checks imports these paths instead of `std`'s:
//! the channel (`chan::{lock, hchan, waiter, op}` and the select engine), `sync`'s
//! primitives, the run queue and parker of `runtime`, the timer driver
//! (`runtime/time/driver.rs`) and the reactor's readiness word
//! (`runtime/io/scheduled_io.rs`). The rest of the crate uses `std` directly. Every
//! build uses a different subset of the names, hence the `unused_imports` allowance.
#![allow(unused_imports)]

/// `std::sync`, or loom's.
pub(crate) mod sync {
    #[cfg(loom)]
    pub(crate) use ::loom::sync::{Arc, Condvar, Mutex, MutexGuard};
    #[cfg(not(loom))]
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};

    /// `std::sync::atomic`, or loom's (`Ordering` is std's in both).
    pub(crate) mod atomic {
        #[cfg(loom)]
        pub(crate) use ::loom::sync::atomic::{
            AtomicBool, AtomicIsize, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, fence,
        };
        #[cfg(not(loom))]
        pub(crate) use std::sync::atomic::{
            AtomicBool, AtomicIsize, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, fence,
        };

        pub(crate) use std::sync::atomic::Ordering;
    }
}

/// An `UnsafeCell` with loom's closure API.
pub(crate) mod cell {
    /// `loom::cell::UnsafeCell` under loom (which checks every access for data races);
    /// a zero-cost wrapper of std's `UnsafeCell` with the same closure API otherwise.
    #[cfg(loom)]
    pub(crate) use ::loom::cell::UnsafeCell;

    #[cfg(not(loom))]
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(pub(crate) std::cell::UnsafeCell<T>);

    #[cfg(not(loom))]
    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(v: T) -> Self {
            UnsafeCell(std::cell::UnsafeCell::new(v))
        }
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// A CPU spin hint (a loom yield under loom, so spinning loops stay finite there).
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(loom)]
    ::loom::thread::yield_now();
    #[cfg(not(loom))]
    std::hint::spin_loop();
}
