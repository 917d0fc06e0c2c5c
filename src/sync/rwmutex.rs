//! `RwMutex<T>`: an async reader/writer lock with writer preference (Go's
//! `sync.RWMutex`).
//!
//! # Algorithm
//!
//! Writers exclude each other with a [`RawMutex`](super::mutex) (the same lock as
//! [`Mutex`](super::Mutex), starvation mode included, so writers are served fairly).
//! Readers and the writer that holds that inner lock meet in one `AtomicU64`:
//!
//! * `active` (bits 0..24): readers holding the lock;
//! * `waiting` (bits 24..48): readers that arrived while a writer was present and are
//!   queued for the next read phase;
//! * `WRITER` (bit 48): a writer is present (draining readers or holding the lock);
//! * `generation` (bits 49..64): the write-phase generation.
//!
//! A reader takes the lock with one compare-exchange (`active + 1`) when `WRITER` is
//! clear. Otherwise it registers as `waiting` (noting `generation`) and sleeps: this is the
//! writer preference: a waiting writer blocks new readers, so a stream of readers
//! cannot starve it. A writer, holding the inner mutex, sets `WRITER` and sleeps until
//! `active` drains to zero (the last reader out notifies it). Unlocking the writer
//! admits every waiting reader at once (`active += waiting`, `waiting = 0`, `generation + 1`,
//! `WRITER` cleared) before releasing the inner mutex, so the readers that queued
//! during a write run before the next writer, as in Go (writers cannot starve readers
//! either). A woken reader knows it was admitted because `generation` moved on.
//!
//! Every wait follows the listen-then-recheck pattern of [`event_listener`], with the
//! recheck done by a read-modify-write of the state word, so no wake-up is lost.
//!
//! # Invariants
//!
//! `WRITER` is set and cleared only by the holder of the inner writer mutex;
//! `waiting > 0` implies `WRITER`; while `WRITER` is set, `active` only decreases.
//! `generation` moves on at most once while a reader is queued (the next writer must wait for
//! that reader, which is then active), so its 15 bits cannot wrap around to fool it.
//!
//! # Differences from Go
//!
//! * Data is owned (`RwMutex<T>`) and released by dropping the guards.
//! * Waits are cancel-safe: a queued reader that is dropped leaves the queue (or, if it
//!   was already admitted, releases its read lock); a writer dropped while draining
//!   readers re-admits them.
//! * At most 2^24 - 1 simultaneous readers (Go: 2^30); more panics.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};

use super::lazy::Lazy;
use super::mutex::{RawMutex, Waiter};
use crate::loom::sync::atomic::{AtomicU64, Ordering::SeqCst};

const ONE_ACTIVE: u64 = 1;
const ACTIVE_MASK: u64 = (1 << 24) - 1;
const ONE_WAITING: u64 = 1 << 24;
const WAITING_MASK: u64 = ((1 << 24) - 1) << 24;
const WRITER: u64 = 1 << 48;
const ONE_GEN: u64 = 1 << 49;

fn gen_of(s: u64) -> u64 {
    s >> 49
}

struct RawRw {
    state: AtomicU64,
    /// Serialises writers.
    writers: RawMutex,
    /// Readers wait here for a write phase to end.
    readers_event: Event,
    /// The writer waits here for the active readers to drain.
    writer_event: Event,
}

impl RawRw {
    #[inline]
    fn try_read(&self) -> bool {
        let mut s = self.state.load(SeqCst);
        loop {
            if s & WRITER != 0 {
                return false;
            }
            assert!(
                s & ACTIVE_MASK < ACTIVE_MASK,
                "goro: too many RwMutex readers"
            );
            match self
                .state
                .compare_exchange_weak(s, s + ONE_ACTIVE, SeqCst, SeqCst)
            {
                Ok(_) => return true,
                Err(a) => s = a,
            }
        }
    }

    #[inline]
    fn read_unlock(&self) {
        let prev = self.state.fetch_sub(ONE_ACTIVE, SeqCst);
        debug_assert!(prev & ACTIVE_MASK != 0);
        if prev & WRITER != 0 && prev & ACTIVE_MASK == ONE_ACTIVE {
            // The last reader out lets the draining writer in.
            self.writer_event.notify(1);
        }
    }

    /// Drives a read lock: `Ready` once this reader is active.
    #[inline]
    fn poll_read(&self, r: &mut ReadWait, cx: &mut Context<'_>) -> Poll<()> {
        if !r.0.any(R_QUEUED | R_BLOCKING) && crate::runtime::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        if !r.0.any(R_QUEUED) && self.try_read() {
            return Poll::Ready(());
        }
        self.poll_read_slow(r, cx)
    }

    #[inline(never)]
    fn poll_read_slow(&self, r: &mut ReadWait, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if let Some(l) = r.listener() {
                match crate::runtime::wait::poll_on(
                    cx,
                    crate::runtime::wait::Wait::plain(crate::runtime::wait::WaitKind::RwRead),
                    |cx| Pin::new(l).poll(cx),
                ) {
                    Poll::Ready(()) => r.set_listener(None),
                    Poll::Pending => return Poll::Pending,
                }
            }
            let listener = self.readers_event.listen();
            let mut s = self.state.load(SeqCst);
            loop {
                match r.queued_gen() {
                    Some(g) => {
                        // Queued: admitted once the generation moved on. Re-read the
                        // state with a read-modify-write (see the module docs).
                        if gen_of(s) != g {
                            r.set_queued_gen(None);
                            return Poll::Ready(());
                        }
                        match self.state.compare_exchange(s, s, SeqCst, SeqCst) {
                            Ok(_) => break,
                            Err(a) => s = a,
                        }
                    }
                    None => {
                        let new = if s & WRITER == 0 {
                            assert!(
                                s & ACTIVE_MASK < ACTIVE_MASK,
                                "goro: too many RwMutex readers"
                            );
                            s + ONE_ACTIVE
                        } else {
                            s + ONE_WAITING
                        };
                        match self.state.compare_exchange(s, new, SeqCst, SeqCst) {
                            Ok(_) if s & WRITER == 0 => return Poll::Ready(()),
                            Ok(_) => {
                                r.set_queued_gen(Some(gen_of(s)));
                                break;
                            }
                            Err(a) => s = a,
                        }
                    }
                }
            }
            r.set_listener(Some(listener));
        }
    }

    #[inline]
    fn cancel_read(&self, r: &mut ReadWait) {
        if r.0.any(R_QUEUED) || r.0.is_init() {
            self.cancel_read_slow(r);
        }
    }

    #[inline(never)]
    fn cancel_read_slow(&self, r: &mut ReadWait) {
        r.set_listener(None);
        let g = r.queued_gen();
        r.set_queued_gen(None);
        let Some(g) = g else {
            return;
        };
        let mut s = self.state.load(SeqCst);
        loop {
            if gen_of(s) != g {
                // Already admitted: give the read lock back.
                self.read_unlock();
                return;
            }
            match self
                .state
                .compare_exchange(s, s - ONE_WAITING, SeqCst, SeqCst)
            {
                Ok(_) => return,
                Err(a) => s = a,
            }
        }
    }

    /// With the writers' mutex held: announce the writer; `true` if no reader is active.
    fn set_writer(&self) -> bool {
        let prev = self.state.fetch_or(WRITER, SeqCst);
        debug_assert!(prev & WRITER == 0);
        prev & ACTIVE_MASK == 0
    }

    /// Drives the drain of active readers after `set_writer`.
    fn poll_drain(&self, w: &mut WriteWait, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if let Some(l) = w.drain.as_mut() {
                match crate::runtime::wait::poll_on(
                    cx,
                    crate::runtime::wait::Wait::plain(crate::runtime::wait::WaitKind::RwWrite),
                    |cx| Pin::new(l).poll(cx),
                ) {
                    Poll::Ready(()) => w.drain = None,
                    Poll::Pending => return Poll::Pending,
                }
            }
            let listener = self.writer_event.listen();
            // A read-modify-write, so the last reader's decrement cannot go unseen.
            if self.state.fetch_add(0, SeqCst) & ACTIVE_MASK == 0 {
                return Poll::Ready(());
            }
            w.drain = Some(listener);
        }
    }

    /// Ends a write phase: admits the queued readers, then lets the next writer in.
    fn write_unlock(&self) {
        let mut s = self.state.load(SeqCst);
        loop {
            let waiting = (s & WAITING_MASK) >> 24;
            let new = ((s & ACTIVE_MASK) + waiting) | (s & !(ACTIVE_MASK | WAITING_MASK | WRITER));
            let new = new.wrapping_add(ONE_GEN);
            match self.state.compare_exchange(s, new, SeqCst, SeqCst) {
                Ok(_) => {
                    if waiting != 0 {
                        self.readers_event.notify(usize::MAX);
                    }
                    break;
                }
                Err(a) => s = a,
            }
        }
        self.writers.unlock();
    }
}

/// A [`ReadWait`] flag: a `read_blocking` wait (spends no cooperative budget, see
/// `mutex::Waiter`).
const R_BLOCKING: u8 = 1;
/// Queued behind a writer: the slow part's `generation` is the generation it waits to
/// see end.
const R_QUEUED: u8 = 2;
/// The future has returned its guard.
const R_DONE: u8 = 4;

/// A reader's bookkeeping. A read lock taken on the fast path writes only the
/// flags byte: the listener and the queued generation are written when the reader
/// first has to wait (see `sync::lazy`).
struct ReadWait(Lazy<ReadSlow>);

#[derive(Default)]
struct ReadSlow {
    listener: Option<EventListener>,
    generation: u64,
}

impl ReadWait {
    /// The generation it is queued in, if queued.
    #[inline]
    fn queued_gen(&self) -> Option<u64> {
        if !self.0.any(R_QUEUED) {
            return None;
        }
        self.0.get().map(|s| s.generation)
    }

    fn set_queued_gen(&mut self, g: Option<u64>) {
        if let Some(g) = g {
            self.0.get_or_init().generation = g;
        }
        self.0.set(R_QUEUED, g.is_some());
    }

    #[inline]
    fn listener(&mut self) -> Option<&mut EventListener> {
        self.0.get_mut().and_then(|s| s.listener.as_mut())
    }

    fn set_listener(&mut self, l: Option<EventListener>) {
        if l.is_some() || self.0.is_init() {
            self.0.get_or_init().listener = l;
        }
    }
}

#[derive(Default)]
struct WriteWait {
    /// Waiting for the writers' mutex.
    mutex: Waiter,
    /// The writers' mutex is held and `WRITER` set.
    draining: bool,
    drain: Option<EventListener>,
}

/// An async reader/writer lock protecting a `T`: Go's `sync.RWMutex`.
///
/// Any number of readers or one writer hold it at a time. Writers are preferred: once
/// a writer waits, new readers queue behind it, so a stream of readers cannot starve
/// it; the readers that queued during a write run before the next writer.
///
/// ```
/// use goro::sync::RwMutex;
///
/// goro::run(async {
///     let m = RwMutex::new(vec![1, 2]);
///     {
///         let r1 = m.read().await;
///         let r2 = m.read().await; // readers share the lock
///         assert_eq!(r1.len() + r2.len(), 4);
///     }
///     m.write().await.push(3);
///     assert_eq!(*m.read().await, [1, 2, 3]);
/// });
/// ```
pub struct RwMutex<T: ?Sized> {
    raw: RawRw,
    value: UnsafeCell<T>,
}

// SAFETY: the lock gives either shared access (readers, on any thread: needs `Sync`)
// or exclusive access (one writer, needs `Send`) to `value`.
unsafe impl<T: ?Sized + Send> Send for RwMutex<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwMutex<T> {}

impl<T> RwMutex<T> {
    /// A new unlocked `RwMutex` holding `value`. `const`, so it can be a `static`.
    ///
    /// ```
    /// static M: goro::sync::RwMutex<u32> = goro::sync::RwMutex::new(0);
    /// assert_eq!(*M.read_blocking(), 0);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(value: T) -> RwMutex<T> {
        RwMutex {
            raw: RawRw {
                state: AtomicU64::new(0),
                writers: RawMutex::new(),
                readers_event: Event::new(),
                writer_event: Event::new(),
            },
            value: UnsafeCell::new(value),
        }
    }

    /// A new unlocked `RwMutex` holding `value` (loom build: not `const`).
    #[cfg(loom)]
    pub fn new(value: T) -> RwMutex<T> {
        RwMutex {
            raw: RawRw {
                state: AtomicU64::new(0),
                writers: RawMutex::new(),
                readers_event: Event::new(),
                writer_event: Event::new(),
            },
            value: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns its data.
    ///
    /// ```
    /// assert_eq!(goro::sync::RwMutex::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> RwMutex<T> {
    /// Takes a read lock, waiting while a writer holds or waits for the lock
    /// (Go's `RLock`). Cancel-safe.
    ///
    /// ```
    /// goro::run(async {
    ///     let m = goro::sync::RwMutex::new("x");
    ///     assert_eq!(*m.read().await, "x");
    /// });
    /// ```
    pub fn read(&self) -> ReadFuture<'_, T> {
        ReadFuture {
            lock: self,
            wait: ReadWait(Lazy::new()),
        }
    }

    /// Takes the write lock, waiting for other writers and for active readers to
    /// leave (Go's `Lock`). Cancel-safe.
    ///
    /// ```
    /// goro::run(async {
    ///     let m = goro::sync::RwMutex::new(1);
    ///     *m.write().await += 1;
    ///     assert_eq!(*m.read().await, 2);
    /// });
    /// ```
    pub fn write(&self) -> WriteFuture<'_, T> {
        WriteFuture {
            lock: self,
            wait: WriteWait::default(),
            done: false,
        }
    }

    /// A read lock if one can be had right now (Go's `TryRLock`).
    ///
    /// ```
    /// let m = goro::sync::RwMutex::new(0);
    /// let w = m.try_write().unwrap();
    /// assert!(m.try_read().is_none());
    /// drop(w);
    /// assert!(m.try_read().is_some());
    /// ```
    pub fn try_read(&self) -> Option<RwMutexReadGuard<'_, T>> {
        if self.raw.try_read() {
            Some(RwMutexReadGuard { lock: self })
        } else {
            None
        }
    }

    /// The write lock if it can be had right now (Go's `TryLock`).
    ///
    /// ```
    /// let m = goro::sync::RwMutex::new(0);
    /// let r = m.try_read().unwrap();
    /// assert!(m.try_write().is_none());
    /// drop(r);
    /// assert!(m.try_write().is_some());
    /// ```
    pub fn try_write(&self) -> Option<RwMutexWriteGuard<'_, T>> {
        if !self.raw.writers.try_lock() {
            return None;
        }
        let s = self.raw.state.load(SeqCst);
        if s & (ACTIVE_MASK | WAITING_MASK) == 0
            && self
                .raw
                .state
                .compare_exchange(s, s | WRITER, SeqCst, SeqCst)
                .is_ok()
        {
            return Some(RwMutexWriteGuard { lock: self });
        }
        self.raw.writers.unlock();
        None
    }

    /// [`read`](RwMutex::read), blocking the calling thread (for plain threads).
    ///
    /// ```
    /// let m = goro::sync::RwMutex::new(5);
    /// assert_eq!(*m.read_blocking(), 5);
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it would block
    /// the worker: use [`read`](Self::read)`().await` there. Plain threads and
    /// [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn read_blocking(&self) -> RwMutexReadGuard<'_, T> {
        let mut fut = self.read();
        fut.wait.0.set(R_BLOCKING, true);
        crate::runtime::deadlock::blocking("RwMutex::read_blocking", "m.read().await", || {
            futures_lite::future::block_on(fut)
        })
    }

    /// [`write`](RwMutex::write), blocking the calling thread (for plain threads).
    ///
    /// ```
    /// let m = goro::sync::RwMutex::new(5);
    /// *m.write_blocking() = 6;
    /// assert_eq!(*m.read_blocking(), 6);
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it would block
    /// the worker: use [`write`](Self::write)`().await` there. Plain threads and
    /// [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn write_blocking(&self) -> RwMutexWriteGuard<'_, T> {
        let mut fut = self.write();
        fut.wait.mutex.set_blocking();
        crate::runtime::deadlock::blocking("RwMutex::write_blocking", "m.write().await", || {
            futures_lite::future::block_on(fut)
        })
    }

    /// A mutable reference to the data (no locking: `&mut self` proves exclusivity).
    ///
    /// ```
    /// let mut m = goro::sync::RwMutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

impl<T: Default> Default for RwMutex<T> {
    fn default() -> Self {
        RwMutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwMutex");
        match self.try_read() {
            Some(g) => d.field("data", &&*g),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// The future returned by [`RwMutex::read`]; cancel-safe.
///
/// ```
/// let m = goro::sync::RwMutex::new(1);
/// let fut: goro::sync::ReadFuture<'_, i32> = m.read();
/// assert_eq!(*futures_lite::future::block_on(fut), 1);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ReadFuture<'a, T: ?Sized> {
    lock: &'a RwMutex<T>,
    wait: ReadWait,
}

impl<'a, T: ?Sized> Future for ReadFuture<'a, T> {
    type Output = RwMutexReadGuard<'a, T>;
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(
            !this.wait.0.any(R_DONE),
            "`ReadFuture` polled after completion"
        );
        match this.lock.raw.poll_read(&mut this.wait, cx) {
            Poll::Ready(()) => {
                this.wait.0.set(R_DONE, true);
                Poll::Ready(RwMutexReadGuard { lock: this.lock })
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: ?Sized> Drop for ReadFuture<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.cancel_read(&mut self.wait);
    }
}

impl<T: ?Sized> fmt::Debug for ReadFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadFuture").finish_non_exhaustive()
    }
}

/// The future returned by [`RwMutex::write`]; cancel-safe.
///
/// ```
/// let m = goro::sync::RwMutex::new(1);
/// let fut: goro::sync::WriteFuture<'_, i32> = m.write();
/// *futures_lite::future::block_on(fut) += 1;
/// assert_eq!(*m.read_blocking(), 2);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WriteFuture<'a, T: ?Sized> {
    lock: &'a RwMutex<T>,
    wait: WriteWait,
    done: bool,
}

impl<'a, T: ?Sized> Future for WriteFuture<'a, T> {
    type Output = RwMutexWriteGuard<'a, T>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Polling again after completion must not return a second write guard.
        assert!(!this.done, "`WriteFuture` polled after completion");
        let raw = &this.lock.raw;
        if !this.wait.draining {
            match raw.writers.poll_lock(&mut this.wait.mutex, cx) {
                Poll::Ready(()) => {}
                Poll::Pending => return Poll::Pending,
            }
            this.wait.draining = true;
            if raw.set_writer() {
                this.done = true;
                return Poll::Ready(RwMutexWriteGuard { lock: this.lock });
            }
        }
        match raw.poll_drain(&mut this.wait, cx) {
            Poll::Ready(()) => {
                this.done = true;
                Poll::Ready(RwMutexWriteGuard { lock: this.lock })
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: ?Sized> Drop for WriteFuture<'_, T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let raw = &self.lock.raw;
        if self.wait.draining {
            // Cancelled while draining readers: end the (empty) write phase.
            self.wait.drain = None;
            raw.write_unlock();
        } else {
            raw.writers.cancel(&mut self.wait.mutex);
        }
    }
}

impl<T: ?Sized> fmt::Debug for WriteFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteFuture").finish_non_exhaustive()
    }
}

/// Shared access to a read-locked [`RwMutex`]'s data; releases the read lock on drop.
///
/// ```
/// let m = goro::sync::RwMutex::new(7);
/// let g: goro::sync::RwMutexReadGuard<'_, i32> = m.read_blocking();
/// assert_eq!(*g, 7);
/// ```
#[must_use = "if unused the RwMutex will immediately unlock"]
pub struct RwMutexReadGuard<'a, T: ?Sized> {
    lock: &'a RwMutex<T>,
}

// SAFETY: a read guard is a shared borrow of the data (like `&T`): it may move to or
// be shared with another thread when `T: Sync`; the read unlock is an atomic operation
// valid from any thread.
unsafe impl<T: ?Sized + Sync> Send for RwMutexReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwMutexReadGuard<'_, T> {}

impl<T: ?Sized> Deref for RwMutexReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: while a read guard exists no writer holds the lock, so no `&mut T`
        // exists; readers only create shared references.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> Drop for RwMutexReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.read_unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwMutexReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive access to a write-locked [`RwMutex`]'s data; unlocks on drop.
///
/// ```
/// let m = goro::sync::RwMutex::new(7);
/// let mut g: goro::sync::RwMutexWriteGuard<'_, i32> = m.write_blocking();
/// *g += 1;
/// assert_eq!(*g, 8);
/// ```
#[must_use = "if unused the RwMutex will immediately unlock"]
pub struct RwMutexWriteGuard<'a, T: ?Sized> {
    lock: &'a RwMutex<T>,
}

// SAFETY: the write guard is an exclusive borrow (like `&mut T`); the unlock is valid
// from any thread.
unsafe impl<T: ?Sized + Send> Send for RwMutexWriteGuard<'_, T> {}
// SAFETY: `&RwMutexWriteGuard` only gives `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwMutexWriteGuard<'_, T> {}

impl<T: ?Sized> Deref for RwMutexWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the write guard is the only holder of the lock: no other reference
        // to the data exists.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T: ?Sized> DerefMut for RwMutexWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and the guard is borrowed mutably.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T: ?Sized> Drop for RwMutexWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.write_unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwMutexWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
