//! Goroutines as tasks: metadata, the future wrapper that catches panics, honours
//! cancellation and keeps the registry and counters, and the [`JoinHandle`].
//!
//! Every goroutine is one `async-task` allocation holding a [`Meta`] (runtime
//! handle, id, spawn location, cancel/registry word) and a [`GoFuture`] wrapping the
//! user's future. The wrapper borrows the metadata from the same allocation, so no
//! second allocation or reference count is needed per goroutine.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::Ordering::*;
use std::task::{Context, Poll};

use super::shared::{CANCEL, KEY, Meta};

/// Why a goroutine did not produce its output.
///
/// ```
/// let h = goro::run(async { goro::go(async { panic!("boom") }).await });
/// assert!(matches!(h, Err(goro::JoinError::Panicked(_))));
/// ```
pub enum JoinError {
    /// The goroutine panicked; this is the panic's payload (as from
    /// [`std::panic::catch_unwind`]).
    Panicked(Box<dyn Any + Send + 'static>),
    /// The goroutine was cancelled with [`JoinHandle::cancel`], or dropped unfinished
    /// when its runtime shut down.
    Cancelled,
}

impl JoinError {
    /// Whether the goroutine panicked.
    ///
    /// ```
    /// let e = goro::run(async { goro::go(async { panic!("x") }).await.unwrap_err() });
    /// assert!(e.is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }

    /// Whether the goroutine was cancelled.
    ///
    /// ```
    /// let e = goro::run(async {
    ///     let h = goro::go(std::future::pending::<()>());
    ///     h.cancel();
    ///     h.await.unwrap_err()
    /// });
    /// assert!(e.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }

    /// The panic message, when the payload is a string.
    ///
    /// ```
    /// let e = goro::run(async { goro::go(async { panic!("boom") }).await.unwrap_err() });
    /// assert_eq!(e.panic_message(), Some("boom"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(p) => panic_message(p.as_ref()),
            JoinError::Cancelled => None,
        }
    }
}

fn panic_message(p: &(dyn Any + Send)) -> Option<&str> {
    p.downcast_ref::<&str>()
        .copied()
        .or_else(|| p.downcast_ref::<String>().map(|s| s.as_str()))
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(p) => match panic_message(p.as_ref()) {
                Some(m) => write!(f, "Panicked({m:?})"),
                None => f.write_str("Panicked(..)"),
            },
            JoinError::Cancelled => f.write_str("Cancelled"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(p) => match panic_message(p.as_ref()) {
                Some(m) => write!(f, "goroutine panicked: {m}"),
                None => f.write_str("goroutine panicked"),
            },
            JoinError::Cancelled => f.write_str("goroutine was cancelled"),
        }
    }
}

impl std::error::Error for JoinError {}

/// The future a goroutine's task actually runs.
///
/// The user's future is in a `ManuallyDrop`, not an `Option`: it is dropped exactly
/// once, in `GoFuture`'s own drop (async-task drops a task's future once, right after
/// the poll that returned `Ready`, or when the task is closed unfinished), so it needs
/// no "taken" tag, which would cost a word in every task (an `Option` of an
/// `async` block has no niche to put it in).
pub(crate) struct GoFuture<'a, F> {
    meta: &'a Meta,
    inner: ManuallyDrop<F>,
}

impl<F> Drop for GoFuture<'_, F> {
    fn drop(&mut self) {
        // Drop the user's future first: its destructor may still wake others.
        // SAFETY: `inner` is dropped here only, and this runs once. It is dropped in
        // place, so a pinned future is never moved (the drop guarantee of `Pin`).
        unsafe { ManuallyDrop::drop(&mut self.inner) };
        let meta = self.meta;
        let key = meta.state.load(Acquire) & KEY;
        let shared = meta.shared();
        if key != 0 {
            shared.registry.remove(key, meta);
        }
        let wait = meta.wait.load(Relaxed);
        if wait & super::deadlock::FOREIGN != 0 {
            shared.run.foreign_goroutines.fetch_sub(1, SeqCst);
        }
        if let Some(b) = shared.bubble() {
            b.finished(wait & super::deadlock::DURABLE == 0);
        }
        super::names::remove(meta.id);
        shared.goroutine_finished();
    }
}

impl<'a, F> GoFuture<'a, F> {
    pub(crate) fn new(meta: &'a Meta, inner: F) -> Self {
        GoFuture {
            meta,
            inner: ManuallyDrop::new(inner),
        }
    }
}

impl<F: Future> Future for GoFuture<'_, F> {
    type Output = Result<F::Output, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of `inner`: it is never moved out (only dropped
        // in place, in `drop`), and `GoFuture` is not `Unpin` unless `F` is.
        let this = unsafe { self.get_unchecked_mut() };
        let meta = this.meta;
        if meta.state.load(Acquire) & CANCEL != 0 {
            // The user's future is dropped right after this `Ready`, with the task's.
            return Poll::Ready(Err(JoinError::Cancelled));
        }
        // SAFETY: as above; `inner` is pinned with `self`.
        let fut = unsafe { Pin::new_unchecked(&mut *this.inner) };
        let shared = meta.shared();
        // Tracked (see `deadlock`): learns what the goroutine waits on, for dumps and
        // deadlock detection.
        let bubble = shared.bubble();
        let bubble_id = bubble.map_or(super::wait::NO_BUBBLE, |b| b.id);
        let (r, parked) = super::wait::tracked_poll(cx, bubble_id, |cx| {
            match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
                Ok(p) => p.map(Ok),
                Err(e) => Poll::Ready(Err(e)),
            }
        });
        let r = match r {
            Poll::Ready(Ok(v)) => Ok(Poll::Ready(v)),
            Poll::Pending => Ok(Poll::Pending),
            Poll::Ready(Err(e)) => Err(e),
        };
        match r {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => {
                let prev = meta.wait.load(Relaxed);
                let mut now = super::deadlock::encode(parked.wait, prev);
                if parked.durable {
                    now |= super::deadlock::DURABLE;
                }
                if now != prev {
                    meta.wait.store(now, Relaxed);
                    if (now ^ prev) & super::deadlock::FOREIGN != 0 {
                        shared.run.foreign_goroutines.fetch_add(1, SeqCst);
                    }
                }
                if let (true, Some(b)) = (parked.durable, bubble) {
                    // Off the bubble's count until the wake that schedules it.
                    b.blocked();
                }
                if meta.state.load(Relaxed) & KEY == 0 {
                    let key = shared.registry.insert(
                        super::shared::shard_hint(),
                        cx.waker().clone(),
                        meta,
                    );
                    // SeqCst pairs with `cancel`: either it sees the key and wakes us
                    // through the registry, or we see its flag here.
                    if meta.state.fetch_or(key, SeqCst) & CANCEL != 0 {
                        cx.waker().wake_by_ref();
                    }
                }
                Poll::Pending
            }
            Err(payload) => {
                let msg = panic_message(payload.as_ref()).unwrap_or("Box<dyn Any>");
                if shared.run.panic_abort.load(Relaxed) {
                    eprintln!(
                        "fatal error: goroutine {} (spawned at {}) panicked: {msg}\n\
                         goro: panic_abort is set; aborting the process",
                        meta.id, meta.location
                    );
                    std::process::abort();
                }
                eprintln!(
                    "goro: goroutine {} (spawned at {}) panicked: {msg}; \
                     its JoinHandle yields JoinError::Panicked, other goroutines keep running",
                    meta.id, meta.location
                );
                Poll::Ready(Err(JoinError::Panicked(payload)))
            }
        }
    }
}

/// An owned permission to await a goroutine's result, returned by [`go`](crate::go).
///
/// Awaiting it yields `Ok(output)`, or a [`JoinError`] when the goroutine panicked or
/// was cancelled. Dropping it *detaches* the goroutine: it keeps running (Go has no
/// handles at all; this is the same). [`cancel`](Self::cancel) stops it at its next
/// suspension point.
///
/// ```
/// goro::run(async {
///     let h = goro::go(async { 6 * 7 });
///     assert_eq!(h.await.unwrap(), 42);
/// });
/// ```
pub struct JoinHandle<T> {
    task: Option<async_task::FallibleTask<Result<T, JoinError>, Meta>>,
    id: u64,
    meta: *const Meta,
}

// SAFETY: `meta` points into the task allocation, which the `FallibleTask` we hold keeps
// alive; `Meta` is `Sync` (atomics, `Arc`, `&'static`). The task itself is Send/Sync
// for `T: Send`, as async-task's `Task` is.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: as above; `&JoinHandle` only reads `id` and the `Meta` atomics.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(task: async_task::Task<Result<T, JoinError>, Meta>) -> Self {
        let meta: *const Meta = task.metadata();
        let id = task.metadata().id;
        JoinHandle {
            task: Some(task.fallible()),
            id,
            meta,
        }
    }

    fn meta(&self) -> &Meta {
        // SAFETY: the task allocation (which holds the metadata) lives at least as long
        // as the `FallibleTask` in `self.task`, which is only taken out in `drop`.
        unsafe { &*self.meta }
    }

    /// The goroutine's id: unique within the process, never 0 (Go's `goid`).
    ///
    /// ```
    /// goro::run(async {
    ///     let (a, b) = (goro::go(async {}), goro::go(async {}));
    ///     assert_ne!(a.id(), b.id());
    /// });
    /// ```
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether the goroutine has finished (returned, panicked or been cancelled).
    ///
    /// ```
    /// goro::run(async {
    ///     let h = goro::go(async {});
    ///     while !h.is_finished() {
    ///         goro::yield_now().await;
    ///     }
    ///     assert!(h.await.is_ok());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(|t| t.is_finished())
    }

    /// Cancels the goroutine: its future is dropped at its next suspension point
    /// (at once if it is parked) without being polled again, and awaiting this handle
    /// yields [`JoinError::Cancelled`]. A goroutine that already finished keeps its
    /// result. Go has no such operation (it uses `context`); this is tokio's `abort`.
    ///
    /// ```
    /// goro::run(async {
    ///     let h = goro::go(std::future::pending::<()>());
    ///     h.cancel();
    ///     assert!(h.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) {
        if self.is_finished() {
            return;
        }
        let meta = self.meta();
        let key = meta.state.fetch_or(CANCEL, SeqCst) & KEY;
        if key != 0 {
            meta.shared().registry.wake(key, meta);
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.task.is_none() {
            return Poll::Ready(Err(JoinError::Cancelled));
        }
        // Wait through the task's own waker: a goro wait, not a foreign one.
        let bubble = self
            .meta()
            .shared
            .map_or(super::wait::NO_BUBBLE, |s| s.bubble_id());
        let task = self.task.as_mut().expect("checked above");
        let wait = super::wait::Wait::new(super::wait::WaitKind::Join, bubble);
        let r = super::wait::poll_on(cx, wait, |cx| Pin::new(task).poll(cx));
        match r {
            Poll::Ready(Some(r)) => Poll::Ready(r),
            // Closed without output: dropped by runtime shutdown.
            Poll::Ready(None) => Poll::Ready(Err(JoinError::Cancelled)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.detach();
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id).finish()
    }
}
