//! `WaitGroup`: wait for a collection of goroutines to finish (Go's `sync.WaitGroup`).
//!
//! # Algorithm
//!
//! A shared `Inner` holds the counter (`AtomicIsize`), a generation number and an
//! [`event_listener::Event`]. `add(n)` is one `fetch_add`; when it brings the counter to
//! exactly zero it bumps the generation and notifies every listener. `done()` is
//! `add(-1)`: one atomic operation when the counter does not reach zero (the common
//! case: the spawn-join benchmark, W1, calls it a million times), and no allocation ever.
//!
//! A waiter reads the generation, then the counter; if the counter is zero it returns.
//! Otherwise it registers a listener and checks again (counter zero, or generation
//! moved on) before sleeping: every transition to zero happens either before that
//! re-check (seen by it) or after the listener exists (which is then notified), so no
//! wake-up is lost. The generation makes a waiter whose counter reached zero return
//! even if the group is reused (the counter raised again) before the waiter runs, as in
//! Go, where every `Wait` in progress when the counter hits zero returns.
//!
//! # Invariants
//!
//! The counter never goes below zero: an `add` that would make it negative panics with
//! Go's message `sync: negative WaitGroup counter` (the counter is left as it was
//! before the bad call, so the group stays usable for the other goroutines).
//!
//! # Differences from Go
//!
//! * `WaitGroup` is a cheap `Clone` handle (an `Arc`), since goroutines are `'static`
//!   futures and cannot borrow a stack variable as Go's closures do.
//! * Go panics when `Add` races with `Wait` on a reused group ("WaitGroup is reused
//!   before previous Wait has returned"); goro does not detect that misuse, its waiters
//!   simply see the generation change or the counter at zero.
//! * [`WaitGroup::go`] (Go 1.25's `WaitGroup.Go`) also calls `done` when the goroutine
//!   panics, and returns the goroutine's [`JoinHandle`](crate::JoinHandle).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};

use crate::loom::sync::Arc;
use crate::loom::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::SeqCst};

/// Waits for a collection of goroutines to finish: Go's `sync.WaitGroup`.
///
/// The main goroutine calls [`add`](WaitGroup::add) to set the number of goroutines
/// to wait for; each goroutine calls [`done`](WaitGroup::done) when it finishes;
/// [`wait`](WaitGroup::wait) blocks until the counter is zero. [`go`](WaitGroup::go)
/// does all three steps for one goroutine. The group is reusable once `wait` returns.
///
/// `WaitGroup` is a handle: clones share one counter.
///
/// ```
/// use goro::sync::WaitGroup;
/// use goro::atomic::Int64;
/// use std::sync::Arc;
///
/// goro::run(async {
///     let wg = WaitGroup::new();
///     let sum = Arc::new(Int64::new(0));
///     for i in 1..=10 {
///         let sum = sum.clone();
///         wg.go(async move {
///             sum.add(i);
///         });
///     }
///     wg.wait().await;
///     assert_eq!(sum.load(), 55);
/// });
/// ```
#[derive(Clone)]
pub struct WaitGroup {
    inner: Arc<Inner>,
}

struct Inner {
    count: AtomicIsize,
    generation: AtomicUsize,
    event: Event,
    /// The synctest bubble it was made in (waiting on it is durable there).
    bubble: u64,
}

impl WaitGroup {
    /// A new group with a zero counter.
    ///
    /// ```
    /// let wg = goro::sync::WaitGroup::new();
    /// wg.wait_blocking(); // the counter is zero: returns at once
    /// ```
    pub fn new() -> WaitGroup {
        WaitGroup {
            inner: Arc::new(Inner {
                count: AtomicIsize::new(0),
                generation: AtomicUsize::new(0),
                event: Event::new(),
                bubble: crate::runtime::wait::polling_bubble(),
            }),
        }
    }

    /// Adds `delta` (which may be negative) to the counter. When the counter reaches
    /// zero, every waiter is released.
    ///
    /// # Panics
    ///
    /// With `sync: negative WaitGroup counter` when the counter would become negative.
    ///
    /// ```
    /// let wg = goro::sync::WaitGroup::new();
    /// wg.add(2);
    /// wg.done();
    /// wg.add(-1);
    /// wg.wait_blocking();
    /// ```
    #[inline]
    pub fn add(&self, delta: isize) {
        let prev = self.inner.count.fetch_add(delta, SeqCst);
        let now = prev.wrapping_add(delta);
        if now <= 0 {
            self.reached_zero_or_below(delta, now);
        }
    }

    #[cold]
    fn reached_zero_or_below(&self, delta: isize, now: isize) {
        if now < 0 {
            // Undo our own change so that the others' accounting stays right.
            self.inner.count.fetch_sub(delta, SeqCst);
            panic!("sync: negative WaitGroup counter");
        }
        if delta != 0 {
            self.inner.generation.fetch_add(1, SeqCst);
            self.inner.event.notify(usize::MAX);
        }
    }

    /// Decrements the counter by one: `add(-1)`. One atomic operation unless the
    /// counter reaches zero.
    ///
    /// # Panics
    ///
    /// With `sync: negative WaitGroup counter` when the counter is already zero.
    ///
    /// ```
    /// let wg = goro::sync::WaitGroup::new();
    /// wg.add(1);
    /// let wg2 = wg.clone();
    /// std::thread::spawn(move || wg2.done());
    /// wg.wait_blocking();
    /// ```
    #[inline]
    pub fn done(&self) {
        self.add(-1);
    }

    /// The counter's current value (a snapshot, for tests and diagnostics; Go has no
    /// equivalent).
    ///
    /// ```
    /// let wg = goro::sync::WaitGroup::new();
    /// wg.add(3);
    /// assert_eq!(wg.count(), 3);
    /// ```
    pub fn count(&self) -> isize {
        self.inner.count.load(SeqCst)
    }

    /// Waits until the counter is zero. Returns at once when it already is.
    ///
    /// The returned future is cancel-safe and can be used as a `select!` branch.
    ///
    /// ```
    /// goro::run(async {
    ///     let wg = goro::sync::WaitGroup::new();
    ///     wg.add(1);
    ///     let w = wg.clone();
    ///     goro::go(async move { w.done() });
    ///     wg.wait().await;
    ///     assert_eq!(wg.count(), 0);
    /// });
    /// ```
    pub fn wait(&self) -> WaitFuture<'_> {
        WaitFuture {
            inner: &self.inner,
            generation: None,
            listener: None,
            blocking: false,
        }
    }

    /// Blocks the calling thread until the counter is zero: for plain threads and
    /// synchronous code (inside a goroutine, prefer [`wait`](WaitGroup::wait), which
    /// does not block a worker thread).
    ///
    /// ```
    /// let wg = goro::sync::WaitGroup::new();
    /// for _ in 0..4 {
    ///     wg.add(1);
    ///     let wg = wg.clone();
    ///     std::thread::spawn(move || wg.done());
    /// }
    /// wg.wait_blocking();
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it would block
    /// the worker: use [`wait`](Self::wait)`().await` there. Plain threads and
    /// [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn wait_blocking(&self) {
        let mut fut = self.wait();
        fut.blocking = true;
        crate::runtime::deadlock::blocking("WaitGroup::wait_blocking", "wg.wait().await", || {
            futures_lite::future::block_on(fut)
        })
    }

    /// Go 1.25's `WaitGroup.Go`: `add(1)`, spawn `fut` as a goroutine with
    /// [`goro::go`](crate::go), and `done()` when it finishes, panics included (the
    /// panic still reaches the returned handle as
    /// [`JoinError::Panicked`](crate::JoinError::Panicked)). If the goroutine is
    /// dropped without finishing (cancelled, or the runtime shut down), `done()` runs
    /// too.
    ///
    /// ```
    /// goro::run(async {
    ///     let wg = goro::sync::WaitGroup::new();
    ///     let h = wg.go(async { 6 * 7 });
    ///     wg.wait().await;
    ///     assert_eq!(h.await.unwrap(), 42);
    /// });
    /// ```
    pub fn go<F>(&self, fut: F) -> crate::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.add(1);
        // The guard calls `done` when the goroutine's future is dropped: after it
        // completes, when it unwinds from a panic, or when it is cancelled.
        let guard = DoneOnDrop(self.clone());
        crate::go(async move {
            let _guard = guard;
            fut.await
        })
    }
}

struct DoneOnDrop(WaitGroup);

impl Drop for DoneOnDrop {
    fn drop(&mut self) {
        self.0.done();
    }
}

impl Default for WaitGroup {
    fn default() -> Self {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.count())
            .finish()
    }
}

/// The future returned by [`WaitGroup::wait`]; cancel-safe.
///
/// ```
/// let wg = goro::sync::WaitGroup::new();
/// let wait: goro::sync::WaitFuture<'_> = wg.wait();
/// futures_lite::future::block_on(wait); // the counter is zero
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitFuture<'a> {
    inner: &'a Inner,
    /// The generation seen when the wait started (once the counter was found non-zero).
    generation: Option<usize>,
    listener: Option<EventListener>,
    /// `wait_blocking`: spends no cooperative budget (its `block_on` loop on a worker
    /// thread would otherwise spin on an exhausted budget forever).
    blocking: bool,
}

impl WaitFuture<'_> {
    /// The re-check after listening. Read-modify-writes (adding zero) rather than
    /// loads: an RMW reads the latest value, and if it precedes the `done` that
    /// reaches zero, it synchronises with it, so that `done`'s notification sees our
    /// listener. No lost wake-up, whatever event-listener does inside.
    fn finished(&self, generation: usize) -> bool {
        self.inner.count.fetch_add(0, SeqCst) == 0
            || self.inner.generation.fetch_add(0, SeqCst) != generation
    }
}

impl Future for WaitFuture<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let generation = match this.generation {
            Some(g) => g,
            None => {
                // Cooperative budget (goro's runtime): a loop of waits that are always
                // ready would otherwise never yield its worker.
                if !this.blocking && crate::runtime::coop::poll_proceed(cx).is_pending() {
                    return Poll::Pending;
                }
                let g = this.inner.generation.load(SeqCst);
                if this.inner.count.load(SeqCst) == 0 {
                    return Poll::Ready(());
                }
                this.generation = Some(g);
                g
            }
        };
        loop {
            if let Some(listener) = this.listener.as_mut() {
                match crate::runtime::wait::poll_on(
                    cx,
                    crate::runtime::wait::Wait::new(
                        crate::runtime::wait::WaitKind::Group,
                        this.inner.bubble,
                    ),
                    |cx| Pin::new(listener).poll(cx),
                ) {
                    Poll::Ready(()) => this.listener = None,
                    Poll::Pending => return Poll::Pending,
                }
                if this.finished(generation) {
                    return Poll::Ready(());
                }
            } else {
                // Listen first, then check: a transition to zero after the check
                // notifies this listener.
                this.listener = Some(this.inner.event.listen());
                if this.finished(generation) {
                    this.listener = None;
                    return Poll::Ready(());
                }
            }
        }
    }
}

impl fmt::Debug for WaitFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFuture").finish_non_exhaustive()
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::WaitGroup;

    /// Two threads call `done` while the main thread waits: the wait must return (no
    /// lost wake-up) and see the counter at zero, in every interleaving.
    #[test]
    fn add_done_wait() {
        loom::model(|| {
            let wg = WaitGroup::new();
            wg.add(2);
            let ths: Vec<_> = (0..2)
                .map(|_| {
                    let wg = wg.clone();
                    loom::thread::spawn(move || wg.done())
                })
                .collect();
            loom::future::block_on(wg.wait());
            assert_eq!(wg.count(), 0);
            for t in ths {
                t.join().unwrap();
            }
        });
    }

    /// Reuse: a waiter of the first round returns even when the group is raised
    /// again right after reaching zero.
    #[test]
    fn reuse_after_zero() {
        loom::model(|| {
            let wg = WaitGroup::new();
            wg.add(1);
            let w2 = wg.clone();
            let t = loom::thread::spawn(move || {
                w2.done();
                w2.add(1);
                w2.done();
            });
            loom::future::block_on(wg.wait());
            t.join().unwrap();
            assert_eq!(wg.count(), 0);
        });
    }
}
