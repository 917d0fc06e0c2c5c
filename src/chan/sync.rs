//! A small shim: loom's types under `cfg(loom)`, std's atomics and the channel's
//! own spin lock (`spin` below) otherwise, so that the waiter protocol can be
//! model-checked by loom without changing the code.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Locks `m` (under loom: loom's mutex, ignoring poisoning).
#[cfg(loom)]
#[inline]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Locks `m`.
#[cfg(not(loom))]
#[inline]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
}

#[cfg(not(loom))]
pub(crate) use spin::{Mutex, MutexGuard};

/// The channel lock: a test-and-test-and-set spin lock that backs off with pause
/// hints and then yields the thread, as crossbeam-channel's `Spinlock` does.
///
/// A channel's critical sections are a few dozen nanoseconds and run no user code
/// (wakers are woken, and dropped values dropped, after the lock is released), so
/// a waiter is better off spinning than sleeping in the kernel: with std's mutex,
/// two workers hammering one channel (W3) put each other to sleep and woke each
/// other with a system call on most collisions (about 30% of W3's time went to
/// `futex`). Spinning reads the lock word and only tries to take it when it looks
/// free, so waiters do not steal the cache line from the holder. A waiter that
/// keeps failing yields its thread (`std::thread::yield_now`), so a holder that the
/// OS preempted gets to run.
#[cfg(not(loom))]
mod spin {
    use std::cell::UnsafeCell;
    use std::ops::{Deref, DerefMut};
    use std::sync::atomic::{AtomicBool, Ordering};

    pub(crate) struct Mutex<T> {
        locked: AtomicBool,
        value: UnsafeCell<T>,
    }

    // SAFETY: the lock gives one thread at a time access to `value` (acquire on
    // lock, release on unlock), so sharing the mutex shares `T` only by moving
    // access between threads, which `T: Send` allows.
    unsafe impl<T: Send> Sync for Mutex<T> {}
    // SAFETY: as above: owning the mutex is owning a `T`.
    unsafe impl<T: Send> Send for Mutex<T> {}

    /// Rounds of pause hints (round `i`: `2^i` pauses) before each try turns into
    /// a `yield_now`.
    const SPIN_ROUNDS: u32 = 7;

    impl<T> Mutex<T> {
        pub(crate) const fn new(value: T) -> Mutex<T> {
            Mutex {
                locked: AtomicBool::new(false),
                value: UnsafeCell::new(value),
            }
        }

        #[inline]
        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            if self
                .locked
                .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                self.lock_contended();
            }
            MutexGuard { mutex: self }
        }

        #[cold]
        fn lock_contended(&self) {
            let mut round = 0;
            loop {
                while self.locked.load(Ordering::Relaxed) {
                    if round < SPIN_ROUNDS {
                        for _ in 0..1u32 << round {
                            std::hint::spin_loop();
                        }
                        round += 1;
                    } else {
                        std::thread::yield_now();
                    }
                }
                if self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return;
                }
            }
        }
    }

    pub(crate) struct MutexGuard<'a, T> {
        mutex: &'a Mutex<T>,
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        #[inline]
        fn deref(&self) -> &T {
            // SAFETY: the guard holds the lock: no other reference to the value
            // exists until it is dropped.
            unsafe { &*self.mutex.value.get() }
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        #[inline]
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: as in `deref`, and `&mut self` makes this the only access.
            unsafe { &mut *self.mutex.value.get() }
        }
    }

    impl<T> Drop for MutexGuard<'_, T> {
        #[inline]
        fn drop(&mut self) {
            self.mutex.locked.store(false, Ordering::Release);
        }
    }

    #[cfg(test)]
    mod tests {
        use super::Mutex;
        use std::sync::Arc;

        /// Four threads increment a counter under the lock; nothing is lost, so the
        /// lock excludes (and its `unsafe` accessors are sound in use).
        #[test]
        fn excludes_under_contention() {
            // Miri interprets every instruction: fewer rounds there.
            const N: u64 = if cfg!(miri) { 200 } else { 100_000 };
            let m = Arc::new(Mutex::new(0u64));
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let m = m.clone();
                    std::thread::spawn(move || {
                        for _ in 0..N {
                            *m.lock() += 1;
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            assert_eq!(*m.lock(), 4 * N);
        }
    }
}
