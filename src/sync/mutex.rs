//! `Mutex<T>`: an async mutual-exclusion lock with Go's starvation mode (Go's
//! `sync.Mutex`, holding its data as Rust's `Mutex<T>` does).
//!
//! # Algorithm
//!
//! One `AtomicUsize` word holds the whole state, as in Go's `sync/mutex.go`:
//!
//! * `LOCKED` (bit 0): somebody owns the lock;
//! * `HANDOFF` (bit 1): the owner has handed the lock to the queue and one queued
//!   waiter may claim it;
//! * starvers (units of `STARVER`, bits 2 to half the word): how many queued waiters
//!   have waited for more than 1 ms; starvation mode is "starvers > 0";
//! * waiters (units of `WAITER`, the upper half): the number of registered (queued)
//!   waiters.
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
//! waiting for more than 1 ms becomes a *starver*: it adds itself to the starver count
//! and from then on waits on a second listener queue, the starvers' queue. While there
//! is a starver, `unlock` keeps `LOCKED` set and sets `HANDOFF` instead of releasing,
//! and wakes the oldest starver, which claims `HANDOFF` and owns the lock (no other
//! waiter may claim it, and newcomers, which need `LOCKED` clear, cannot barge in).
//! Starvation mode ends when the last starver has been served (Go ends it when the
//! waiter that gets the lock waited less than 1 ms or is the last; with a separate
//! starvers' queue the two rules agree, and the lock returns to the fast normal mode
//! as soon as nobody is starving). A waiter that becomes a starver is therefore served
//! after at most as many hand-offs as there are starvers ahead of it: no waiter waits
//! forever while others churn.
//!
//! **Cancellation.** Dropping a `lock()` future that registered removes it from the
//! counts; a starver dropped while a `HANDOFF` is pending claims it and unlocks at once
//! (which hands off to the next starver or releases), so a cancelled waiter never
//! strands the lock. A notified listener that is dropped passes its notification on
//! (event-listener's guarantee).
//!
//! # Invariants
//!
//! starvers <= waiters; starvers > 0 implies `LOCKED` (a waiter becomes a starver only
//! while the lock is held, and a starving-mode unlock keeps `LOCKED`); `HANDOFF`
//! implies `LOCKED` and at least one starver (a starver leaves only by claiming the
//! lock, or, when cancelled, by claiming a pending `HANDOFF` and passing it on). Only
//! the owner unlocks.
//!
//! # Differences from Go
//!
//! * The mutex owns its data (`Mutex<T>`) and is released by dropping the guard;
//!   Go's `Unlock` of an unlocked mutex (a fatal error) cannot happen.
//! * The guard is `Send` (when `T: Send`): it may be held across `.await` and moved
//!   between worker threads, as a Go goroutine may migrate between Ps while holding a
//!   `sync.Mutex`.
//! * Waiters re-queue at the back of the listener queue when they lose a race in
//!   normal mode (Go re-queues them at the front, LIFO, which event-listener cannot
//!   do); the separate starvers' queue restores the bound on waiting.
//! * The contended path allocates one listener per wait (event-listener's), as
//!   async-lock's mutex does; the uncontended path allocates nothing.
//! * `lock()` is cancel-safe: dropping the future gives up the wait (Go's `Lock` cannot
//!   be abandoned).
//! * No poisoning (unlike `std::sync::Mutex`): a panic while the guard is held unlocks
//!   the mutex as the guard drops, like Go's `defer mu.Unlock()`.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};

use super::lazy::Lazy;
use crate::loom::spin_hint;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};

const LOCKED: usize = 1;
const HANDOFF: usize = 2;
const STARVER: usize = 4;
const HALF: u32 = usize::BITS / 2;
const WAITER: usize = 1 << HALF;
const STARVER_MASK: usize = WAITER - STARVER;
const WAITER_MASK: usize = !(WAITER - 1);

/// Spin rounds before queueing (round `i` spins `2^i` pause hints: 255 in all, 1 to
/// 8 us as a pause takes 4 to 30 ns by CPU). W6 (1,000 goroutines on one mutex)
/// measured 52-192 ns per lock with 63 pauses, 45-87 with 255 and no better with
/// 1,023: a holder on the other worker usually lets go within a few microseconds,
/// and parking costs a listener, a wake-up and a reschedule.
#[cfg(not(loom))]
const SPIN_ROUNDS: u32 = 8;
#[cfg(loom)]
const SPIN_ROUNDS: u32 = 1;

/// Hand-offs made (tests check that the stress test exercises starvation mode).
#[cfg(test)]
static HANDOFFS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The raw lock: state word and wait queue, not generic over `T`.
pub(crate) struct RawMutex {
    state: AtomicUsize,
    /// Queued waiters that are not starvers wait here (woken one at a time by a
    /// normal-mode unlock).
    event: Event,
    /// Starvers wait here (woken one at a time, oldest first, by a hand-off).
    starve_event: Event,
}

/// A [`Waiter`] flag: counted in the state's waiter count.
const W_REGISTERED: u8 = 1;
/// Counted in the state's starver count.
const W_STARVER: u8 = 2;
/// A `_blocking` wait: spends no cooperative budget (its `block_on` loop on a
/// worker thread would otherwise spin on an exhausted budget forever).
const W_BLOCKING: u8 = 4;

/// A waiter's bookkeeping, kept in the `lock()` future. A lock that succeeds on
/// the fast path writes only the flags byte: the listener and the start time are
/// written when the waiter first takes the slow path (see `sync::lazy` for why).
#[derive(Default)]
pub(crate) struct Waiter(Lazy<SlowWait>);

/// The slow-path part of a [`Waiter`].
#[derive(Default)]
struct SlowWait {
    listener: Option<EventListener>,
    /// When it first registered (for the 1 ms starvation threshold).
    #[cfg(not(loom))]
    since: Option<std::time::Instant>,
}

impl Waiter {
    #[inline]
    fn set_flag(&mut self, f: u8, on: bool) {
        self.0.set(f, on)
    }

    /// Counted in the state's waiter count.
    #[inline]
    fn registered(&self) -> bool {
        self.0.any(W_REGISTERED)
    }

    /// Counted in the state's starver count.
    #[inline]
    fn starver(&self) -> bool {
        self.0.any(W_STARVER)
    }

    /// A `_blocking` wait (see `W_BLOCKING`).
    #[inline]
    pub(crate) fn blocking(&self) -> bool {
        self.0.any(W_BLOCKING)
    }

    /// Makes this a `_blocking` wait.
    pub(crate) fn set_blocking(&mut self) {
        self.0.set(W_BLOCKING, true)
    }

    /// The slow-path part, written on first use.
    #[inline]
    fn slow(&mut self) -> &mut SlowWait {
        self.0.get_or_init()
    }

    /// The listener, if the waiter holds one.
    #[inline]
    fn listener(&mut self) -> Option<&mut EventListener> {
        self.0.get_mut().and_then(|s| s.listener.as_mut())
    }

    /// Whether the waiter holds a listener.
    #[inline]
    fn has_listener(&self) -> bool {
        self.0.get().is_some_and(|s| s.listener.is_some())
    }

    fn set_listener(&mut self, l: Option<EventListener>) {
        if l.is_some() || self.0.is_init() {
            self.slow().listener = l;
        }
    }

    fn mark_start(&mut self) {
        #[cfg(not(loom))]
        {
            let slow = self.slow();
            if slow.since.is_none() {
                slow.since = Some(std::time::Instant::now());
            }
        }
    }

    /// Has it waited past the starvation threshold? (Under loom: at once, so that the
    /// models explore the hand-off.)
    fn starving(&self) -> bool {
        #[cfg(not(loom))]
        {
            self.0
                .get()
                .and_then(|s| s.since)
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
            starve_event: Event::new(),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        RawMutex {
            state: AtomicUsize::new(0),
            event: Event::new(),
            starve_event: Event::new(),
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
            // Starvers imply `LOCKED`: a free lock is free for everyone, as in Go's
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
            let starving = s & STARVER_MASK != 0;
            #[cfg(test)]
            if starving {
                HANDOFFS.fetch_add(1, Ordering::Relaxed);
            }
            let new = if starving {
                // Starvation mode: keep LOCKED, hand the lock to the oldest starver.
                debug_assert!(s & HANDOFF == 0 && s & WAITER_MASK != 0);
                s | HANDOFF
            } else {
                s & !LOCKED
            };
            match self
                .state
                .compare_exchange_weak(s, new, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => {
                    if starving {
                        self.starve_event.notify(1);
                    } else if new & WAITER_MASK != 0 {
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
        if !w.registered() {
            // Cooperative budget (goro's runtime): a goroutine whose lock is always
            // free would otherwise never yield its worker.
            if !w.blocking() && crate::runtime::coop::poll_proceed(cx).is_pending() {
                return Poll::Pending;
            }
            if self.lock_fast() {
                return Poll::Ready(());
            }
        }
        self.poll_lock_slow(w, cx)
    }

    #[inline(never)]
    fn poll_lock_slow(&self, w: &mut Waiter, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if let Some(listener) = w.listener() {
                match crate::runtime::wait::poll_on(
                    cx,
                    crate::runtime::wait::Wait::plain(crate::runtime::wait::WaitKind::Mutex),
                    |cx| Pin::new(listener).poll(cx),
                ) {
                    Poll::Ready(()) => w.set_listener(None),
                    Poll::Pending => return Poll::Pending,
                }
            }
            if !w.registered() {
                if self.spin_acquire() {
                    return Poll::Ready(());
                }
                w.mark_start();
            }
            // A queued waiter that has waited past the threshold is (or becomes) a
            // starver: it waits in the starvers' queue and may claim a hand-off.
            let starver = w.starver() || (w.registered() && w.starving());
            // Listen before reading the state (see the module docs).
            let listener = if starver {
                self.starve_event.listen()
            } else {
                self.event.listen()
            };
            let mut s = self.state.load(Ordering::Relaxed);
            loop {
                // What we count for in the state, removed when we get the lock.
                let ours =
                    if w.registered() { WAITER } else { 0 } + if w.starver() { STARVER } else { 0 };
                let mut becomes_starver = false;
                let (new, acquired) = if w.starver() && s & HANDOFF != 0 {
                    // Claim the hand-off: LOCKED stays set and is now ours. (Only a
                    // counted starver claims: one becoming a starver now joins the back
                    // of the starvers' queue; the pending hand-off is for an older one.)
                    ((s & !HANDOFF) - ours, true)
                } else if s & LOCKED == 0 {
                    debug_assert!(!w.starver());
                    ((s | LOCKED) - ours, true)
                } else {
                    let mut new = s;
                    if !w.registered() {
                        assert!(
                            s & WAITER_MASK != WAITER_MASK,
                            "goro: too many Mutex waiters"
                        );
                        new += WAITER;
                    } else if starver && !w.starver() {
                        new += STARVER;
                        becomes_starver = true;
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
                        w.set_flag(W_REGISTERED | W_STARVER, false);
                        return Poll::Ready(());
                    }
                    Ok(_) => {
                        w.set_flag(W_REGISTERED, true);
                        if becomes_starver {
                            w.set_flag(W_STARVER, true);
                        }
                        break;
                    }
                    Err(actual) => s = actual,
                }
            }
            w.set_listener(Some(listener));
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
            if round >= SPIN_ROUNDS || s & STARVER_MASK != 0 {
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
        w.set_listener(None);
        if !w.registered() {
            return;
        }
        let starver = w.starver();
        let ours = WAITER + if starver { STARVER } else { 0 };
        w.set_flag(W_REGISTERED | W_STARVER, false);
        let mut s = self.state.load(Ordering::Relaxed);
        loop {
            // A starver that finds a hand-off pending claims it, and unlocks below: that
            // hands it on if starvers remain, or releases it. (A hand-off implies a
            // starver, which will claim it if we do not.)
            let claim = starver && s & HANDOFF != 0;
            let new = if claim { s & !HANDOFF } else { s } - ours;
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

    #[cfg(all(test, not(loom)))]
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
///     for _ in 0..10 {
///         let counter = counter.clone();
///         wg.go(async move {
///             *counter.lock().await += 1;
///         });
///     }
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
    pub fn lock(&self) -> LockFuture<'_, T> {
        LockFuture {
            mutex: Some(self),
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
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it would block
    /// the worker: use [`lock`](Self::lock)`().await` there. Plain threads and
    /// [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn lock_blocking(&self) -> MutexGuard<'_, T> {
        const WHAT: (&str, &str) = ("Mutex::lock_blocking", "m.lock().await");
        crate::runtime::deadlock::forbid_in_goroutine(WHAT.0, WHAT.1);
        if let Some(g) = self.try_lock() {
            return g;
        }
        let mut fut = self.lock();
        fut.waiter.set_blocking();
        crate::runtime::deadlock::blocking(WHAT.0, WHAT.1, || futures_lite::future::block_on(fut))
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

/// The future returned by [`Mutex::lock`]; cancel-safe.
///
/// ```
/// let m = goro::sync::Mutex::new(1);
/// let fut: goro::sync::LockFuture<'_, i32> = m.lock();
/// *futures_lite::future::block_on(fut) += 1;
/// assert_eq!(m.into_inner(), 2);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct LockFuture<'a, T: ?Sized> {
    /// `None` once the guard has been returned.
    mutex: Option<&'a Mutex<T>>,
    waiter: Waiter,
}

impl<'a, T: ?Sized> Future for LockFuture<'a, T> {
    type Output = MutexGuard<'a, T>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        // Polling again after completion must not lock a second time (two guards would
        // alias the data).
        let mutex = this.mutex.expect("`LockFuture` polled after completion");
        match mutex.raw.poll_lock(&mut this.waiter, cx) {
            Poll::Ready(()) => {
                this.mutex = None;
                Poll::Ready(MutexGuard { mutex })
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: ?Sized> Drop for LockFuture<'_, T> {
    fn drop(&mut self) {
        if let Some(mutex) = self.mutex {
            if self.waiter.registered() || self.waiter.has_listener() {
                mutex.raw.cancel(&mut self.waiter);
            }
        }
    }
}

impl<T: ?Sized> fmt::Debug for LockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFuture").finish_non_exhaustive()
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
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
