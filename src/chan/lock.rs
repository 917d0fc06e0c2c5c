//! The channel's own spin lock ([`Mutex`] below), built on the atomics and cell of
//! `crate::loom`, so that the waiter protocol and the lock itself (including a
//! select's locking of all its channels, see [`RawLock`]) are model-checked by loom
//! without changing the code.

use std::ops::{Deref, DerefMut};

use crate::loom::cell::UnsafeCell;
#[cfg(not(loom))]
use crate::loom::sync::atomic::AtomicBool;
use crate::loom::sync::atomic::Ordering;

/// Locks `m`.
#[inline]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock()
}

/// The lock word of a channel: a test-and-test-and-set spin lock that backs off with
/// pause hints and then yields the thread, as crossbeam-channel's `Spinlock` does.
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
///
/// It is separate from the data it protects so that a `select` can lock the
/// channels of all its cases, whatever their value types, through `&RawLock`
/// (Go's `sellock`): always in increasing address order, each distinct lock once,
/// which is the only place where one thread holds more than one channel lock, so
/// no two threads can wait on each other. (Public only so that the hidden
/// select-case trait can name it.)
#[doc(hidden)]
pub struct RawLock {
    #[cfg(not(loom))]
    locked: AtomicBool,
    /// Under loom the lock blocks instead of spinning (loom cannot explore a spin
    /// loop: every turn of it is a new branch of the model, so any model with a
    /// contended lock exceeds loom's branch limit). The flag behind loom's mutex
    /// is the lock word; a thread that finds it set waits on `freed`.
    #[cfg(loom)]
    locked: loom::sync::Mutex<bool>,
    #[cfg(loom)]
    freed: loom::sync::Condvar,
    /// Under loom, the lock's place in the lock order: its creation number in
    /// this execution (addresses differ between loom's executions, which would
    /// make the model nondeterministic).
    #[cfg(loom)]
    id: usize,
}

#[cfg(loom)]
loom::lazy_static! {
    /// Numbers the channel locks of one loom execution (reset by loom for each).
    static ref NEXT_LOCK_ID: loom::sync::atomic::AtomicUsize =
        loom::sync::atomic::AtomicUsize::new(0);
}

/// Rounds of pause hints (round `i`: `2^i` pauses) before each try turns into
/// a `yield_now`.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 7;

impl RawLock {
    #[cfg(not(loom))]
    const fn new() -> RawLock {
        RawLock {
            locked: AtomicBool::new(false),
        }
    }

    #[cfg(loom)]
    fn new() -> RawLock {
        RawLock {
            locked: loom::sync::Mutex::new(false),
            freed: loom::sync::Condvar::new(),
            id: NEXT_LOCK_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The key of the global lock order (Go's `lockorder`): the lock's address
    /// (under loom, its creation number, which is deterministic).
    #[inline]
    pub(crate) fn order_key(&self) -> usize {
        #[cfg(not(loom))]
        {
            self as *const RawLock as usize
        }
        #[cfg(loom)]
        {
            self.id
        }
    }

    /// Takes the lock (without a guard: pair it with [`RawLock::unlock`]).
    #[cfg(not(loom))]
    #[inline]
    pub(crate) fn lock(&self) {
        if self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
    }

    #[cfg(not(loom))]
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

    /// Under loom: waits until the flag is clear, then sets it.
    #[cfg(loom)]
    pub(crate) fn lock(&self) {
        let mut locked = self.locked.lock().unwrap();
        while *locked {
            locked = self.freed.wait(locked).unwrap();
        }
        *locked = true;
    }

    /// Releases the lock.
    ///
    /// # Safety
    /// The caller took it (with [`RawLock::lock`]) and no guard or borrowed
    /// reference to the data is used after this.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        #[cfg(not(loom))]
        self.locked.store(false, Ordering::Release);
        #[cfg(loom)]
        {
            *self.locked.lock().unwrap() = false;
            self.freed.notify_one();
        }
    }
}

/// A value behind a [`RawLock`].
pub(crate) struct Mutex<T> {
    raw: RawLock,
    value: UnsafeCell<T>,
}

// SAFETY: the lock gives one thread at a time access to `value` (acquire on
// lock, release on unlock), so sharing the mutex shares `T` only by moving
// access between threads, which `T: Send` allows.
unsafe impl<T: Send> Sync for Mutex<T> {}
// SAFETY: as above: owning the mutex is owning a `T`.
unsafe impl<T: Send> Send for Mutex<T> {}

impl<T> Mutex<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Mutex<T> {
        Mutex {
            raw: RawLock::new(),
            value: UnsafeCell::new(value),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Mutex<T> {
        Mutex {
            raw: RawLock::new(),
            value: UnsafeCell::new(value),
        }
    }

    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.raw.lock();
        // SAFETY: we just took the lock; the guard releases it.
        let data = unsafe { self.locked() };
        MutexGuard {
            data: std::mem::ManuallyDrop::new(data),
            raw: &self.raw,
        }
    }

    /// The lock word, for a select that locks several channels at once.
    #[inline]
    pub(crate) fn raw(&self) -> &RawLock {
        &self.raw
    }

    /// The data, for a holder of the lock taken through [`Mutex::raw`]: the
    /// reference does not release the lock when dropped.
    ///
    /// # Safety
    /// The caller holds the lock until the returned reference is dropped, and
    /// makes no other reference to the data meanwhile.
    #[inline]
    pub(crate) unsafe fn locked(&self) -> Locked<'_, T> {
        #[cfg(not(loom))]
        {
            // SAFETY: per the contract, exclusive access while the lock is held.
            let ptr = unsafe { &mut *self.value.0.get() };
            Locked { ptr }
        }
        #[cfg(loom)]
        {
            Locked {
                ptr: self.value.get_mut(),
                _life: std::marker::PhantomData,
            }
        }
    }
}

/// Exclusive access to a locked mutex's data, without owning the lock.
pub(crate) struct Locked<'a, T> {
    #[cfg(not(loom))]
    ptr: &'a mut T,
    /// loom tracks the access for as long as this lives.
    #[cfg(loom)]
    ptr: loom::cell::MutPtr<T>,
    #[cfg(loom)]
    _life: std::marker::PhantomData<&'a mut T>,
}

impl<T> Deref for Locked<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        #[cfg(not(loom))]
        {
            self.ptr
        }
        // SAFETY: `Mutex::locked`'s contract: exclusive access while this lives.
        #[cfg(loom)]
        unsafe {
            self.ptr.deref()
        }
    }
}

impl<T> DerefMut for Locked<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        #[cfg(not(loom))]
        {
            self.ptr
        }
        // SAFETY: as in `deref`, and `&mut self` makes this the only access.
        #[cfg(loom)]
        unsafe {
            self.ptr.deref()
        }
    }
}

/// A held lock: the data and the lock word it releases when dropped.
pub(crate) struct MutexGuard<'a, T> {
    data: std::mem::ManuallyDrop<Locked<'a, T>>,
    raw: &'a RawLock,
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `data` is dropped here and never used again (under loom this
        // ends the tracked access before the release, as it must be).
        unsafe { std::mem::ManuallyDrop::drop(&mut self.data) };
        // SAFETY: the guard took the lock, and the access to the data has ended.
        unsafe { self.raw.unlock() };
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Mutex;
    use std::sync::Arc;

    /// Four threads increment a counter under the lock; nothing is lost, so the
    /// lock excludes (and its `unsafe` accessors are sound in use).
    #[test]
    fn excludes_under_contention() {
        const PER_THREAD: u64 = if cfg!(miri) { 200 } else { 100_000 };
        let m = Arc::new(Mutex::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for _ in 0..PER_THREAD {
                        *m.lock() += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*m.lock(), 4 * PER_THREAD);
    }
}
