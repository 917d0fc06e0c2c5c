//! `Semaphore`: a weighted, FIFO semaphore (Go's `golang.org/x/sync/semaphore`).
//!
//! # Algorithm
//!
//! A `std` mutex guards the number of available permits and a FIFO queue of waiters,
//! each an `Arc` node holding its request `n`, a `granted` flag and an
//! [`event_listener::Event`] to wake it. `acquire(n)` takes the permits at once when
//! the queue is empty and enough are available; otherwise it joins the back of the
//! queue. Releasing permits grants them to waiters *from the front only*: it stops at
//! the first waiter whose request does not fit, even if a later, smaller request would
//! (x/sync's rule), so a large request is never starved by a stream of small ones.
//! A granted waiter owns its permits from the moment the flag is set (under the mutex),
//! whether or not it has been polled yet.
//!
//! # Invariants
//!
//! `available <= capacity`; permits are either available, held by a permit guard, or
//! granted to a queued node; a node is in the queue iff it is waiting and not granted.
//!
//! # Differences from Go
//!
//! * `acquire(n)` returns a guard that releases on drop ([`SemaphorePermit`]);
//!   [`SemaphorePermit::forget`] and [`Semaphore::release`] give Go's manual style.
//! * Instead of a `ctx` argument, the `acquire` future is cancel-safe: drop it (e.g. in
//!   a `select!` with `ctx.done()`) to give up; a cancelled waiter at the head of the
//!   queue lets the waiters behind it through, as x/sync does.
//! * Go's `Acquire(ctx, n)` with `n` greater than the capacity blocks until `ctx` is
//!   done; goro panics, since the request could never be granted.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

// The waiter nodes' `Arc` is loom's under loom (so that it sees the hand-over of a
// node between threads); the public API (`acquire_owned`) uses std's.
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Arc as NodeArc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};

struct State {
    available: usize,
    queue: VecDeque<NodeArc<Node>>,
}

struct Node {
    n: usize,
    granted: AtomicBool,
    event: Event,
}

impl State {
    /// Grants permits to the waiters at the front of the queue while they fit.
    fn grant(&mut self) {
        while let Some(front) = self.queue.front() {
            if front.n > self.available {
                break;
            }
            self.available -= front.n;
            // A read-modify-write, so that it synchronises with the waiter's RMW
            // re-check after listening: either the waiter sees the grant, or this
            // notification sees its listener (see `AcquireFuture::poll`).
            front.granted.swap(true, Ordering::AcqRel);
            front.event.notify(1);
            self.queue.pop_front();
        }
    }
}

/// A weighted semaphore with FIFO granting: Go's `x/sync/semaphore.Weighted`.
///
/// ```
/// use goro::sync::Semaphore;
/// use std::sync::Arc;
///
/// goro::run(async {
///     let sem = Arc::new(Semaphore::new(3)); // at most 3 units in use
///     let wg = goro::sync::WaitGroup::new();
///     for _ in 0..10 {
///         let sem = sem.clone();
///         wg.go(async move {
///             let _permit = sem.acquire(1).await;
///             // at most 3 goroutines here at a time
///         });
///     }
///     wg.wait().await;
///     assert_eq!(sem.available(), 3);
/// });
/// ```
pub struct Semaphore {
    capacity: usize,
    state: Mutex<State>,
}

impl Semaphore {
    /// A semaphore with `capacity` permits, all available. `const`.
    ///
    /// ```
    /// static POOL: goro::sync::Semaphore = goro::sync::Semaphore::new(4);
    /// assert_eq!(POOL.available(), 4);
    /// ```
    #[cfg(not(loom))]
    pub const fn new(capacity: usize) -> Semaphore {
        Semaphore {
            capacity,
            state: Mutex::new(State {
                available: capacity,
                queue: VecDeque::new(),
            }),
        }
    }

    /// A semaphore with `capacity` permits (loom build: not `const`).
    #[cfg(loom)]
    pub fn new(capacity: usize) -> Semaphore {
        Semaphore {
            capacity,
            state: Mutex::new(State {
                available: capacity,
                queue: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding this lock (`grant` does not), so ignore poison.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Acquires `n` permits, waiting in FIFO order until they are available. The
    /// returned guard releases them when dropped. Cancel-safe.
    ///
    /// # Panics
    ///
    /// When `n` exceeds the capacity (the request could never be granted).
    ///
    /// ```
    /// goro::run(async {
    ///     let sem = goro::sync::Semaphore::new(10);
    ///     let p = sem.acquire(7).await;
    ///     assert_eq!(sem.available(), 3);
    ///     drop(p);
    ///     assert_eq!(sem.available(), 10);
    /// });
    /// ```
    pub fn acquire(&self, n: usize) -> AcquireFuture<'_> {
        assert!(
            n <= self.capacity,
            "semaphore: acquire of {n} permits exceeds the capacity {}",
            self.capacity
        );
        AcquireFuture {
            sem: self,
            n,
            node: None,
            listener: None,
            done: false,
            blocking: false,
        }
    }

    /// [`acquire`](Semaphore::acquire) for a semaphore in an `Arc`, returning a guard
    /// that owns a clone of the `Arc` (so it can move into a goroutine).
    ///
    /// ```
    /// use std::sync::Arc;
    /// goro::run(async {
    ///     let sem = Arc::new(goro::sync::Semaphore::new(1));
    ///     let p = sem.clone().acquire_owned(1).await;
    ///     let h = goro::go(async move { drop(p) });
    ///     h.await.unwrap();
    ///     assert_eq!(sem.available(), 1);
    /// });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>, n: usize) -> OwnedSemaphorePermit {
        self.acquire(n).await.forget();
        OwnedSemaphorePermit { sem: self, n }
    }

    /// Acquires `n` permits if they are available right now and nobody is queued
    /// ahead (Go's `TryAcquire`).
    ///
    /// ```
    /// let sem = goro::sync::Semaphore::new(2);
    /// let a = sem.try_acquire(2).unwrap();
    /// assert!(sem.try_acquire(1).is_none());
    /// drop(a);
    /// assert!(sem.try_acquire(1).is_some());
    /// ```
    pub fn try_acquire(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        let mut st = self.lock();
        if st.queue.is_empty() && st.available >= n {
            st.available -= n;
            Some(SemaphorePermit { sem: self, n })
        } else {
            None
        }
    }

    /// [`acquire`](Semaphore::acquire), blocking the calling thread (for plain threads).
    ///
    /// ```
    /// let sem = goro::sync::Semaphore::new(1);
    /// let p = sem.acquire_blocking(1);
    /// assert_eq!(sem.available(), 0);
    /// drop(p);
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it would block
    /// the worker: use [`acquire`](Self::acquire)`(n).await` there. Plain threads and
    /// [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn acquire_blocking(&self, n: usize) -> SemaphorePermit<'_> {
        let mut fut = self.acquire(n);
        fut.blocking = true;
        crate::runtime::deadlock::blocking(
            "Semaphore::acquire_blocking",
            "sem.acquire(n).await",
            || futures_lite::future::block_on(fut),
        )
    }

    /// Returns `n` permits (Go's `Release`), e.g. ones whose guard was
    /// [`forget`](SemaphorePermit::forget)-ed.
    ///
    /// # Panics
    ///
    /// When more permits are released than are held (Go: "semaphore: released more
    /// than held").
    ///
    /// ```
    /// let sem = goro::sync::Semaphore::new(2);
    /// sem.acquire_blocking(2).forget();
    /// assert_eq!(sem.available(), 0);
    /// sem.release(2);
    /// assert_eq!(sem.available(), 2);
    /// ```
    pub fn release(&self, n: usize) {
        let mut st = self.lock();
        if st.available + n > self.capacity {
            drop(st);
            panic!("semaphore: released more than held");
        }
        st.available += n;
        st.grant();
    }

    /// Permits available now (a snapshot).
    ///
    /// ```
    /// assert_eq!(goro::sync::Semaphore::new(5).available(), 5);
    /// ```
    pub fn available(&self) -> usize {
        self.lock().available
    }

    /// The total number of permits.
    ///
    /// ```
    /// assert_eq!(goro::sync::Semaphore::new(5).capacity(), 5);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.lock();
        f.debug_struct("Semaphore")
            .field("capacity", &self.capacity)
            .field("available", &st.available)
            .field("waiters", &st.queue.len())
            .finish()
    }
}

/// The future returned by [`Semaphore::acquire`]; cancel-safe (dropping it leaves the
/// queue, or gives back permits granted but not yet collected).
///
/// ```
/// let sem = goro::sync::Semaphore::new(1);
/// let fut: goro::sync::AcquireFuture<'_> = sem.acquire(1);
/// let permit = futures_lite::future::block_on(fut);
/// assert_eq!(permit.permits(), 1);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct AcquireFuture<'a> {
    sem: &'a Semaphore,
    n: usize,
    node: Option<NodeArc<Node>>,
    listener: Option<EventListener>,
    done: bool,
    /// `acquire_blocking`: spends no cooperative budget (see `mutex::Waiter`).
    blocking: bool,
}

impl<'a> Future for AcquireFuture<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = &mut *self;
        assert!(!this.done, "AcquireFuture polled after completion");
        if this.node.is_none()
            && !this.blocking
            && crate::runtime::coop::poll_proceed(cx).is_pending()
        {
            return Poll::Pending;
        }
        let node = match &this.node {
            Some(node) => node.clone(),
            None => {
                let mut st = this.sem.lock();
                if st.queue.is_empty() && st.available >= this.n {
                    st.available -= this.n;
                    this.done = true;
                    return Poll::Ready(SemaphorePermit {
                        sem: this.sem,
                        n: this.n,
                    });
                }
                let node = NodeArc::new(Node {
                    n: this.n,
                    granted: AtomicBool::new(false),
                    event: Event::new(),
                });
                st.queue.push_back(node.clone());
                drop(st);
                this.node = Some(node.clone());
                node
            }
        };
        loop {
            // A read-modify-write (see the waitgroup module): the re-check after
            // listening must not miss a grant made just before.
            if node.granted.fetch_or(false, Ordering::AcqRel) {
                this.done = true;
                this.node = None;
                this.listener = None;
                return Poll::Ready(SemaphorePermit {
                    sem: this.sem,
                    n: this.n,
                });
            }
            match this.listener.as_mut() {
                // Listen, then check the flag again (the loop) before sleeping.
                None => this.listener = Some(node.event.listen()),
                Some(l) => match crate::runtime::wait::poll_on(
                    cx,
                    crate::runtime::wait::Wait::plain(crate::runtime::wait::WaitKind::Semaphore),
                    |cx| Pin::new(l).poll(cx),
                ) {
                    Poll::Ready(()) => this.listener = None,
                    Poll::Pending => return Poll::Pending,
                },
            }
        }
    }
}

impl Drop for AcquireFuture<'_> {
    fn drop(&mut self) {
        let Some(node) = self.node.take() else {
            return;
        };
        let mut st = self.sem.lock();
        if node.granted.load(Ordering::Acquire) {
            // Granted but never collected: give the permits back.
            st.available += node.n;
        } else if let Some(i) = st.queue.iter().position(|q| NodeArc::ptr_eq(q, &node)) {
            st.queue.remove(i);
        }
        // Whether we were at the front or returned permits, others may now fit.
        st.grant();
    }
}

impl fmt::Debug for AcquireFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcquireFuture")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

/// Permits held from a [`Semaphore`]; released when dropped.
///
/// ```
/// let sem = goro::sync::Semaphore::new(3);
/// let p = sem.try_acquire(2).unwrap();
/// assert_eq!(p.permits(), 2);
/// ```
#[must_use = "if unused the permits are released at once"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    n: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this guard holds.
    ///
    /// ```
    /// let sem = goro::sync::Semaphore::new(3);
    /// assert_eq!(sem.acquire_blocking(3).permits(), 3);
    /// ```
    pub fn permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits acquired without a guard; give them back with
    /// [`Semaphore::release`].
    ///
    /// ```
    /// let sem = goro::sync::Semaphore::new(1);
    /// sem.try_acquire(1).unwrap().forget();
    /// assert_eq!(sem.available(), 0);
    /// ```
    pub fn forget(self) {
        std::mem::forget(self)
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release(self.n);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("n", &self.n)
            .finish()
    }
}

/// Permits held from an `Arc<Semaphore>` ([`Semaphore::acquire_owned`]); released
/// when dropped. `'static`, so it can move into a goroutine.
///
/// ```
/// use std::sync::Arc;
/// let sem = Arc::new(goro::sync::Semaphore::new(2));
/// let p = futures_lite::future::block_on(sem.clone().acquire_owned(2));
/// assert_eq!(p.permits(), 2);
/// ```
#[must_use = "if unused the permits are released at once"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    n: usize,
}

impl OwnedSemaphorePermit {
    /// How many permits this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let sem = Arc::new(goro::sync::Semaphore::new(2));
    /// let p = futures_lite::future::block_on(sem.acquire_owned(1));
    /// assert_eq!(p.permits(), 1);
    /// ```
    pub fn permits(&self) -> usize {
        self.n
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.release(self.n);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("n", &self.n)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    /// Stress: six threads acquire 1-3 of 4 permits and often give up waiting after a
    /// random 0-4 ms (cancelling queued waiters, the head of the queue, and granted
    /// but uncollected waiters). The permits in use never exceed the capacity, and
    /// every permit comes back with an empty queue.
    #[test]
    fn stress_with_cancellation() {
        let (tx, rx) = std::sync::mpsc::channel();
        let sem = Arc::new(Semaphore::new(4));
        let sem2 = sem.clone();
        std::thread::spawn(move || {
            let in_use = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..6u64)
                .map(|t| {
                    let (sem, in_use) = (sem2.clone(), in_use.clone());
                    std::thread::spawn(move || {
                        let mut rng = t * 15_485_863 + 3;
                        let deadline = Instant::now() + Duration::from_millis(300);
                        while Instant::now() < deadline {
                            rng ^= rng << 13;
                            rng ^= rng >> 7;
                            rng ^= rng << 17;
                            let n = 1 + (rng % 3) as usize;
                            let patience = Duration::from_micros(rng % 4000);
                            let p = futures_lite::future::block_on(futures_lite::future::or(
                                async { Some(sem.acquire(n).await) },
                                async {
                                    crate::time::sleep(patience).await;
                                    None
                                },
                            ));
                            if let Some(p) = p {
                                let now = in_use.fetch_add(n, Ordering::SeqCst) + n;
                                assert!(now <= 4, "{now} permits in use");
                                let t = Instant::now();
                                while t.elapsed() < Duration::from_micros(rng % 150) {
                                    std::hint::spin_loop();
                                }
                                in_use.fetch_sub(n, Ordering::SeqCst);
                                drop(p);
                            }
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            let _ = tx.send(());
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("stress test hung or panicked");
        assert_eq!(sem.available(), 4);
        assert!(sem.lock().queue.is_empty());
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::Semaphore;
    use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Waker};

    /// Two threads acquire 2 and 1 of 2 permits while the main thread acquires 1:
    /// never more than 2 in use, nobody stranded, all permits back at the end.
    #[test]
    fn weighted_acquire_release() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(2));
            let in_use = Arc::new(AtomicUsize::new(0));
            let ths: Vec<_> = [2usize, 1]
                .into_iter()
                .map(|n| {
                    let (sem, in_use) = (sem.clone(), in_use.clone());
                    loom::thread::spawn(move || {
                        let p = loom::future::block_on(sem.acquire(n));
                        assert!(in_use.fetch_add(n, SeqCst) + n <= 2);
                        in_use.fetch_sub(n, SeqCst);
                        drop(p);
                    })
                })
                .collect();
            {
                let p = loom::future::block_on(sem.acquire(1));
                assert!(in_use.fetch_add(1, SeqCst) < 2);
                in_use.fetch_sub(1, SeqCst);
                drop(p);
            }
            for t in ths {
                t.join().unwrap();
            }
            assert_eq!(sem.available(), 2);
        });
    }

    /// A waiter that gives up (polled once, then dropped) while another thread
    /// releases: the permits are neither lost nor stranded.
    #[test]
    fn cancel_while_granting() {
        struct Noop;
        impl std::task::Wake for Noop {
            fn wake(self: Arc<Self>) {}
        }
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(1));
            let held = sem.try_acquire(1).unwrap();
            held.forget();
            let s2 = sem.clone();
            let t = loom::thread::spawn(move || s2.release(1));
            {
                let mut fut = sem.acquire(1);
                let waker = Waker::from(Arc::new(Noop));
                let _ = Pin::new(&mut fut).poll(&mut Context::from_waker(&waker));
                // dropped: queued, granted or holding
            }
            t.join().unwrap();
            assert_eq!(sem.available(), 1);
            assert!(sem.try_acquire(1).is_some());
        });
    }
}
