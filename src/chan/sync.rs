//! A small shim: loom's types under `cfg(loom)`, std's otherwise, so that the
//! waiter protocol can be model-checked by loom without changing the code.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// `loom::cell::UnsafeCell` under loom (which checks every access for data races);
/// a zero-cost wrapper of std's `UnsafeCell` with the same closure API otherwise.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

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

/// Locks `m`, ignoring poisoning: no critical section of the channel code can
/// leave the protected state inconsistent (none runs user code).
///
/// A channel's critical sections are a few dozen nanoseconds, but two workers that
/// hammer one channel (W3: four producers and four consumers on one buffered
/// channel) often find it held. std's mutex then spins briefly and sleeps in the
/// kernel, and the unlock that follows wakes it with a second system call; that
/// was about 30% of W3's time. So `lock` first retries `try_lock` with a bounded
/// exponential back-off (255 pause hints in all: 1 to 8 us, as a pause takes 4 to
/// 30 ns depending on the CPU; Go's runtime lock spins on the same scale), and only
/// then blocks in std's `lock`: the same lock, so the semantics are std's.
#[inline]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(not(loom))]
    if let Some(g) = spin_lock(m) {
        return g;
    }
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Spin rounds of `lock` before it blocks (round `i` waits `2^i` pause hints).
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 8;

#[cfg(not(loom))]
#[inline]
fn spin_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    for round in 0..SPIN_ROUNDS {
        match m.try_lock() {
            Ok(g) => return Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => {}
        }
        for _ in 0..1u32 << round {
            std::hint::spin_loop();
        }
    }
    None
}
