//! `Mutex<T>`: an async mutual-exclusion lock with Go's starvation mode (Go's
//! `sync.Mutex`, holding its data as Rust's `Mutex<T>` does).
//!
//! # Algorithm
//!
//! One `AtomicUsize` word holds the whole state, as in Go's `sync/mutex.go`:
//!
//! * `LOCKED` (bit 0): somebody owns the lock;
//! * `STARVING` (bit 1): starvation mode (below);
//! * `HANDOFF` (bit 2): the owner has handed the lock to the queue and one queued
//!   waiter may claim it;
//! * the rest (units of `WAITER`): the number of registered (queued) waiters.
//!
//! **Fast paths.** An uncontended `lock` is one compare-exchange `0 -> LOCKED`, an
//! uncontended `unlock` one compare-exchange `LOCKED -> 0`. Neither allocates.
//!
//! **Normal mode.** A locker that finds the lock held spins briefly (a bounded
//! exponential back-off of CPU pause hints, like Go's `sync_runtime_canSpin`: the
//! holder of a short critical section usually releases it within a few hundred
//! nanoseconds, far cheaper than parking), then registers: it creates an
//! [`event_listener`] listener *first* and then adds itself to the waiter count with a
//! compare-exchange, so an unlock either sees the count (and notifies) or happens
//! before the compare-exchange (which then fails and re-reads an unlocked state): no
//! lost wake-up. `unlock` clears `LOCKED` and, if there are waiters, notifies one
//! listener (event-listener's `notify(1)` wakes at most one at a time, the oldest,
//! playing the role of Go's `mutexWoken`). The woken waiter competes with newcomers,
//! which may barge in: that keeps the lock hot in the cache of a running thread, which
//! is why normal mode is fast.
//!
//! **Starvation mode.** A queued waiter that wakes, fails to get the lock and has been
//! waiting for more than 1 ms sets `STARVING`. From then on `unlock` keeps `LOCKED` set
//! and sets `HANDOFF` instead of releasing: ownership passes directly to the queue, and
//! newcomers (which need `LOCKED` clear) queue up behind the older waiters. The waiter
//! that claims `HANDOFF` owns the lock; it leaves starvation mode when it is the last
//! waiter or waited less than 1 ms (Go's rule), so the fast path comes back once the
//! queue drains. No waiter waits forever while others churn.
//!
//! **Cancellation.** Dropping a `lock()` future that registered removes it from the
//! count; if a `HANDOFF` is pending, the dropping waiter claims it and unlocks at once
//! (which hands off to the next waiter or releases), so a cancelled waiter never
//! strands the lock. A notified listener that is dropped passes its notification on
//! (event-listener's guarantee).
//!
//! # Invariants
//!
//! `STARVING` implies `LOCKED` and at least one registered waiter; `HANDOFF` implies
//! `LOCKED`, `STARVING` having been set at the unlock, and at least one registered
//! waiter. Only the owner unlocks.
//!
//! # Differences from Go
//!
//! * The mutex owns its data (`Mutex<T>`) and is released by dropping the guard;
//!   Go's `Unlock` of an unlocked mutex (a fatal error) cannot happen.
//! * The guard is `Send` (when `T: Send`): it may be held across `.await` and moved
//!   between worker threads, as a Go goroutine may migrate between Ps while holding a
//!   `sync.Mutex`.
//! * Waiters re-queue at the back of the listener queue when they lose a race in
//!   normal mode (Go re-queues them at the front, LIFO); starvation mode bounds the
//!   unfairness either way.
//! * `lock()` is cancel-safe: dropping the future gives up the wait (Go's `Lock` cannot
//!   be abandoned).

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};

use super::shim::{spin_hint, AtomicUsize, Ordering};

const LOCKED: usize = 1;
const STARVING: usize = 2;
const HANDOFF: usize = 4;
const WAITER: usize = 8;

/// Spin rounds before queueing (round `i` spins `2^i` pause hints: 63 in all).
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 6;
#[cfg(loom)]
const SPIN_ROUNDS: u32 = 1;

/// The raw lock: state word and wait queue, not generic over `T`.
pub(crate) struct RawMutex {
    state: AtomicUsize,
    event: Event,
}

/// A waiter's bookkeeping, kept in the `lock()` future.
#[derive(Default)]
pub(crate) struct Waiter {
    listener: Option<EventListener>,
    /// Counted in the state's waiter count.
    registered: bool,
    /// When it first registered (for the 1 ms starvation threshold).
    #[cfg(not(loom))]
    since: Option<std::time::Instant>,
}

impl Waiter {
    fn mark_start(&mut self) {
        #[cfg(not(loom))]
        if self.since.is_none() {
            self.since = Some(std::time::Instant::now());
        }
    }

    /// Has it waited past the starvation threshold? (Under loom: at once, so that the
    /// models explore the hand-off.)
    fn starving(&self) -> bool {
        #[cfg(not(loom))]
        {
            self.since
                .is_some_and(|t| t.elapsed() > std::time::Duration::from_millis(1))
        }
        #[cfg(loom)]
        {
            true
        }
    }
}

impl RawMutex {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        RawMutex {
            state: AtomicUsize::new(0),
            event: Event::new(),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        RawMutex {
            state: AtomicUsize::new(0),
            event: Event::new(),
        }
    }

    /// The uncontended fast path: one compare-exchange, no preceding load (a load
    /// would fetch the cache line shared, then the compare-exchange would need it
    /// exclusive: two coherence transfers instead of one when another core has it).
    #[inline]
    pub(crate) fn lock_fast(&self) -> bool {
        self.state
            .compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        if self.lock_fast() {
            return true;
        }
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            // `STARVING` implies `LOCKED`: a free lock is free for everyone, as in Go's
            // `TryLock`.
            if s & LOCKED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(
                s,
                s | LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(actual) => s = actual,
            }
        }
    }

    #[inline]
    pub(crate) fn unlock(&self) {
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_slow();
        }
    }

    #[cold]
    fn unlock_slow(&self) {
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            debug_assert!(s & LOCKED != 0, "goro: unlock of an unlocked Mutex");
            let new = if s & STARVING != 0 {
                // Starvation mode: keep LOCKED, hand the lock to a queued waiter.
                debug_assert!(s & HANDOFF == 0 && s >= WAITER);
                s | HANDOFF
            } else {
                s & !LOCKED
            };
            match self
                .state
                .compare_exchange_weak(s, new, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => {
                    if new >= WAITER {
                        self.event.notify(1);
                    }
                    return;
                }
                Err(actual) => s = actual,
            }
        }
    }

    /// Drives a lock attempt; `Ready` when the caller owns the lock.
    #[inline]
    pub(crate) fn poll_lock(&self, w: &mut Waiter, cx: &mut Context<'_>) -> Poll<()> {
        if !w.registered && self.lock_fast() {
            return Poll::Ready(());
        }
        self.poll_lock_slow(w, cx)
    }

    #[inline(never)]
    fn poll_lock_slow(&self, w: &mut Waiter, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if let Some(listener) = w.listener.as_mut() {
                match Pin::new(listener).poll(cx) {
                    Poll::Ready(()) => w.listener = None,
                    Poll::Pending => return Poll::Pending,
                }
            }
            if !w.registered {
                if self.spin_acquire() {
                    return Poll::Ready(());
                }
                w.mark_start();
            }
            // Listen before reading the state (see the module docs).
            let listener = self.event.listen();
            let mut s = self.state.load(Ordering::Relaxed);
            loop {
                let (new, acquired) = if w.registered && s & HANDOFF != 0 {
                    // Claim the hand-off: LOCKED stays set and is now ours.
                    let mut new = (s & !HANDOFF) - WAITER;
                    if new < WAITER || !w.starving() {
                        new &= !STARVING;
                    }
                    (new, true)
                } else if s & LOCKED == 0 {
                    let mut new = s | LOCKED;
                    if w.registered {
                        new -= WAITER;
                    }
                    (new, true)
                } else {
                    let mut new = s;
                    if !w.registered {
                        new += WAITER;
                    } else if w.starving() {
                        new |= STARVING;
                    }
                    // Even when `new == s` this is a read-modify-write: it reads the
                    // latest state, so an unlock cannot slip in unseen after our
                    // listener was created.
                    (new, false)
                };
                match self
                    .state
                    .compare_exchange(s, new, Ordering::SeqCst, Ordering::Relaxed)
                {
                    Ok(_) if acquired => {
                        w.registered = false;
                        return Poll::Ready(());
                    }
                    Ok(_) => {
                        w.registered = true;
                        break;
                    }
                    Err(actual) => s = actual,
                }
            }
            w.listener = Some(listener);
        }
    }

    /// Tries to take the lock, spinning briefly while it is held in normal mode.
    #[inline]
    fn spin_acquire(&self) -> bool {
        let mut round = 0;
        loop {
            // Test, then test-and-set: spin on a shared copy of the line.
            let s = self.state.load(Ordering::Relaxed);
            if s & LOCKED == 0
                && self
                    .state
                    .compare_exchange_weak(s, s | LOCKED, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return true;
            }
            if round >= SPIN_ROUNDS || s & STARVING != 0 {
                return false;
            }
            for _ in 0..(1u32 << round) {
                spin_hint();
            }
            round += 1;
        }
    }

    /// Gives up a wait (the `lock()` future is dropped before it finished).
    pub(crate) fn cancel(&self, w: &mut Waiter) {
        // Dropping a notified listener passes the notification on.
        w.listener = None;
        if !w.registered {
            return;
        }
        w.registered = false;
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            let claim = s & HANDOFF != 0;
            // If a hand-off is pending we claim it (and unlock below, which hands it on
            // while STARVING stays set). The last waiter leaving ends starvation mode.
            let mut new = (s & !HANDOFF) - WAITER;
            if new < WAITER {
                new &= !STARVING;
            }
            match self
                .state
                .compare_exchange(s, new, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => {
                    if claim {
                        // The lock was handed to the queue and we took it: pass it on.
                        self.unlock();
                    }
                    return;
                }
                Err(actual) => s = actual,
            }
        }
    }

    #[cfg(test)]
    fn state(&self) -> usize {
        self.state.load(Ordering::SeqCst)
    }
}

/// An async mutual-exclusion lock protecting a `T`: Go's `sync.Mutex`.
///
/// [`lock`](Mutex::lock) waits for the lock and returns a [`MutexGuard`] that gives
/// access to the data and unlocks when dropped. Uncontended lock and unlock are one
/// atomic operation each; under contention, a waiter starved for more than 1 ms gets
/// the lock handed to it directly (Go's starvation mode), so none waits forever.
///
/// The guard is `Send`: it may be held across `.await` (unlike `std::sync::Mutex`'s).
///
/// ```
/// use goro::sync::Mutex;
/// use std::sync::Arc;
///
/// goro::run(async {
///     let counter = Arc::new(Mutex::new(0));
///     let wg = goro::sync::WaitGroup::new();
///     let handles: Vec<_> = (0..10)
///         .map(|_| {
///             let counter = counter.clone();
///             wg.go(async move {
///                 *counter.lock().await += 1;
///             })
///         })
///         .collect();
///     wg.wait().await;
///     assert_eq!(*counter.lock().await, 10);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    raw: RawMutex,
    value: UnsafeCell<T>,
}

// SAFETY: the lock gives one thread at a time access to `value`, so sharing the mutex
// between threads is sound when `T` may be sent to (accessed from) another thread.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above: `&Mutex<T>` only hands out `&mut T` under the lock (one at a time).
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`. `const`, so a `Mutex` can be a `static`.
    ///
    /// ```
    /// static LOG: goro::sync::Mutex<Vec<String>> = goro::sync::Mutex::new(Vec::new());
    /// LOG.lock_blocking().push("hello".into());
    /// assert_eq!(LOG.lock_blocking().len(), 1);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(value: T) -> Mutex<T> {
        Mutex {
            raw: RawMutex::new(),
            value: UnsafeCell::new(value),
        }
    }

    /// A new unlocked mutex holding `value` (loom build: not `const`).
    #[cfg(loom)]
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            raw: RawMutex::new(),
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the mutex and returns its data (no locking: the mutex is owned).
    ///
    /// ```
    /// let m = goro::sync::Mutex::new(5);
    /// assert_eq!(m.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting (asynchronously) while another holder has it.
    ///
    /// Cancel-safe: dropping the future before it completes gives up the wait without
    /// disturbing the other waiters.
    ///
    /// ```
    /// goro::run(async {
    ///     let m = goro::sync::Mutex::new(vec![1]);
    ///     m.lock().await.push(2);
    ///     assert_eq!(*m.lock().await, [1, 2]);
    /// });
    /// ```
    #[inline]
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            waiter: Waiter::default(),
        }
    }

    /// Locks the mutex if it is free right now (Go's `TryLock`).
    ///
    /// ```
    /// let m = goro::sync::Mutex::new(0);
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(g);
    /// assert!(m.try_lock().is_some());
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        if self.raw.try_lock() {
            Some(MutexGuard { mutex: self })
        } else {
            None
        }
    }

    /// Locks the mutex, blocking the calling thread: for plain threads and synchronous
    /// code. (In a goroutine use [`lock`](Mutex::lock), which does not block a worker.)
    ///
    /// ```
    /// let m = goro::sync::Mutex::new(1);
    /// *m.lock_blocking() += 1;
    /// assert_eq!(*m.lock_blocking(), 2);
    /// ```
    pub fn lock_blocking(&self) -> MutexGuard<'_, T> {
        if let Some(g) = self.try_lock() {
            return g;
        }
        futures_lite::future::block_on(self.lock())
    }

    /// A mutable reference to the data (no locking: `&mut self` proves exclusivity).
    ///
    /// ```
    /// let mut m = goro::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(g) => d.field("data", &&*g),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// The future returned by [`Mutex::lock`].
#[must_use = "futures do nothing unless awaited"]
pub struct Lock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    waiter: Waiter,
}

impl<'a, T: ?Sized> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        match this.mutex.raw.poll_lock(&mut this.waiter, cx) {
            Poll::Ready(()) => Poll::Ready(MutexGuard { mutex: this.mutex }),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: ?Sized> Drop for Lock<'_, T> {
    fn drop(&mut self) {
        if self.waiter.registered || self.waiter.listener.is_some() {
            self.mutex.raw.cancel(&mut self.waiter);
        }
    }
}

impl<T: ?Sized> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").finish_non_exhaustive()
    }
}

/// Access to a locked [`Mutex`]'s data; unlocks when dropped.
///
/// `Send` when `T: Send`, so it may be held across `.await` in a goroutine.
///
/// ```
/// goro::run(async {
///     let m = goro::sync::Mutex::new(String::new());
///     let mut g = m.lock().await;
///     g.push_str("held across an await");
///     goro::yield_now().await;
///     assert_eq!(g.len(), 20);
/// });
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

// SAFETY: the guard is an exclusive borrow of the data plus the duty to unlock; the
// unlock is an atomic operation valid from any thread, so moving the guard is sound
// when `T: Send` (like moving a `&mut T`).
unsafe impl<T: ?Sized + Send> Send for MutexGuard<'_, T> {}
// SAFETY: `&MutexGuard` only gives `&T`.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while this thread owns the lock, so no
        // `&mut T` to the data exists elsewhere.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard owns the lock and is borrowed mutably: this is the only
        // reference to the data.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.mutex.raw.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        struct Noop;
        impl std::task::Wake for Noop {
            fn wake(self: std::sync::Arc<Self>) {}
        }
        let waker = Waker::from(std::sync::Arc::new(Noop));
        Pin::new(f).poll(&mut Context::from_waker(&waker))
    }

    /// A waiter dropped while a hand-off to it is pending passes the lock on.
    #[test]
    fn cancelled_waiter_passes_handoff_on() {
        let m = Mutex::new(0);
        let g = m.try_lock().unwrap();
        let mut a = m.lock();
        assert!(poll_once(&mut a).is_pending());
        let mut b = m.lock();
        assert!(poll_once(&mut b).is_pending());
        assert_eq!(m.raw.state(), LOCKED + 2 * WAITER);
        // Force starvation mode, as a waiter starved for 1 ms would.
        m.raw.state.fetch_or(STARVING, Ordering::SeqCst);
        drop(g); // hands off: LOCKED stays, HANDOFF set
        assert_eq!(m.raw.state(), LOCKED | STARVING | HANDOFF | (2 * WAITER));
        drop(a); // cancelled: claims the hand-off and passes it on to `b`
        assert_eq!(m.raw.state(), LOCKED | STARVING | HANDOFF | WAITER);
        let gb = match poll_once(&mut b) {
            Poll::Ready(g) => g,
            Poll::Pending => panic!("b should own the lock"),
        };
        assert_eq!(m.raw.state(), LOCKED);
        drop(gb);
        assert_eq!(m.raw.state(), 0);
        drop(b);
        assert_eq!(m.raw.state(), 0);
    }

    /// A registered waiter that is dropped leaves the count and the lock consistent.
    #[test]
    fn cancelled_waiter_deregisters() {
        let m = Mutex::new(());
        let g = m.try_lock().unwrap();
        let mut a = m.lock();
        assert!(poll_once(&mut a).is_pending());
        assert_eq!(m.raw.state(), LOCKED + WAITER);
        drop(a);
        assert_eq!(m.raw.state(), LOCKED);
        drop(g);
        assert_eq!(m.raw.state(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Mutex;
    use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use loom::sync::Arc;

    /// Three threads lock and increment; under loom every failed wake-up sets
    /// STARVING at once, so the hand-off path is explored. Checks mutual exclusion
    /// (an `inside` counter), the final count and that the state returns to zero.
    #[test]
    fn handoff() {
        loom::model(|| {
            let m = Arc::new(Mutex::new(0usize));
            let inside = Arc::new(AtomicUsize::new(0));
            let ths: Vec<_> = (0..2)
                .map(|_| {
                    let (m, inside) = (m.clone(), inside.clone());
                    loom::thread::spawn(move || {
                        let mut g = loom::future::block_on(m.lock());
                        assert_eq!(inside.fetch_add(1, SeqCst), 0);
                        *g += 1;
                        inside.fetch_sub(1, SeqCst);
                    })
                })
                .collect();
            {
                let mut g = loom::future::block_on(m.lock());
                assert_eq!(inside.fetch_add(1, SeqCst), 0);
                *g += 1;
                inside.fetch_sub(1, SeqCst);
            }
            for t in ths {
                t.join().unwrap();
            }
            assert_eq!(*m.try_lock().unwrap(), 3);
            assert_eq!(m.raw.state.load(SeqCst), 0);
        });
    }

    /// A waiter that gives up (its future dropped after one poll) never strands the
    /// lock: the other thread still gets it.
    #[test]
    fn cancel_while_waiting() {
        use std::future::Future;
        use std::pin::Pin;
        use std::task::{Context, Waker};
        loom::model(|| {
            let m = Arc::new(Mutex::new(0usize));
            let m2 = m.clone();
            let t = loom::thread::spawn(move || {
                *loom::future::block_on(m2.lock()) += 1;
            });
            {
                let mut fut = m.lock();
                struct Noop;
                impl std::task::Wake for Noop {
                    fn wake(self: std::sync::Arc<Self>) {}
                }
                let waker = Waker::from(std::sync::Arc::new(Noop));
                let _ = Pin::new(&mut fut).poll(&mut Context::from_waker(&waker));
                // dropped here, registered or holding the lock
            }
            t.join().unwrap();
            assert_eq!(*m.try_lock().unwrap(), 1);
            assert_eq!(m.raw.state.load(SeqCst), 0);
        });
    }
}
