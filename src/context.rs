//! Contexts: cancellation signals and deadlines carried across goroutines (Go's
//! `context` package).
//!
//! # Algorithm
//!
//! A [`Context`] is a cheap handle (`Arc`) to an immutable node: its parent, an
//! optional value (from [`Context::with_value`]) and the *signal* it observes. Only
//! [`with_cancel`](Context::with_cancel), [`with_timeout`](Context::with_timeout) and
//! [`with_deadline`](Context::with_deadline) create a new signal; a value node shares
//! its parent's. A signal holds:
//!
//! * a state byte (not cancelled / `Canceled` / `DeadlineExceeded`), set once;
//! * its effective deadline: the earlier of its own and its parent signal's;
//! * an [`event_listener::Event`] that [`done`](Context::done) futures listen on;
//! * its children: a map from id to `Weak` child signal, under a `std` mutex.
//!
//! Cancelling sets the state (first writer wins), wakes the listeners, then takes the
//! children map out and cancels each child with the same error (any depth, iteratively
//! through the recursion of the tree), and removes itself from its parent's map. A child
//! registers in its parent's map when created (or is cancelled at once if the parent
//! already is), and its signal removes itself from the parent's map when dropped (last
//! `Context` clone gone): a loop that creates and drops children of one long-lived
//! context does not grow it. Children of a context that can never be cancelled
//! ([`Context::background`]) are not registered at all.
//!
//! **No timer per context.** A deadline is never armed as a timer: `err()` compares the
//! effective deadline with `Instant::now()` (and records `DeadlineExceeded` once it has
//! passed, so the error never changes afterwards), and `done()` waits for the cancel
//! event and for [`goro::time::sleep_until`](crate::time::sleep_until)(deadline)
//! together. A context nobody waits on costs nothing but its node.
//!
//! # Invariants
//!
//! The state moves from "not cancelled" at most once. A registered child's signal is
//! cancelled whenever its parent's is. A child's deadline is never later than its
//! parent's.
//!
//! # Differences from Go
//!
//! * Methods instead of functions: `ctx.with_cancel()` is Go's
//!   `context.WithCancel(ctx)`.
//! * `done()` is a future (usable as a `select!` branch), not a channel.
//! * Dropping a [`CancelFn`] does **not** cancel, as in Go (where forgetting to call
//!   `cancel` leaks until the parent is cancelled and `go vet` warns). In goro a
//!   forgotten `CancelFn` leaks nothing: the child unregisters itself when its last
//!   handle is dropped. Call [`CancelFn::cancel`] to cancel.
//! * Values are keyed by type ([`Context::with_value`] / [`Context::value`]), the
//!   idiomatic Rust version of Go's unexported key types.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use event_listener::{Event, EventListener};

/// Why a [`Context`] is done: Go's `context.Canceled` and
/// `context.DeadlineExceeded`.
///
/// ```
/// use goro::context::ContextError;
/// assert_eq!(ContextError::Canceled.to_string(), "context canceled");
/// assert_eq!(ContextError::DeadlineExceeded.to_string(), "context deadline exceeded");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContextError {
    /// The context was cancelled (its [`CancelFn`] or an ancestor's was called).
    Canceled,
    /// The context's deadline passed.
    DeadlineExceeded,
}

impl ContextError {
    /// `true` for [`DeadlineExceeded`](ContextError::DeadlineExceeded) (Go's
    /// `Timeout()` method on that error).
    ///
    /// ```
    /// assert!(goro::context::ContextError::DeadlineExceeded.is_timeout());
    /// ```
    pub fn is_timeout(self) -> bool {
        self == ContextError::DeadlineExceeded
    }

    fn code(self) -> u8 {
        match self {
            ContextError::Canceled => CANCELED,
            ContextError::DeadlineExceeded => DEADLINE,
        }
    }
}

impl fmt::Display for ContextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContextError::Canceled => "context canceled",
            ContextError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for ContextError {}

const LIVE: u8 = 0;
const CANCELED: u8 = 1;
const DEADLINE: u8 = 2;

/// The cancellation state shared by a cancelable context and its value children.
struct Signal {
    state: AtomicU8,
    deadline: Option<Instant>,
    event: Event,
    children: Mutex<Children>,
    /// Our parent signal and our id in its map (none for a root).
    parent: Option<(Arc<Signal>, u64)>,
    /// The synctest bubble it was made in (waiting on it is durable there).
    bubble: u64,
}

#[derive(Default)]
struct Children {
    next_id: u64,
    map: HashMap<u64, Weak<Signal>>,
}

impl Signal {
    fn err(&self) -> Option<ContextError> {
        self.err_from(self.state.load(SeqCst))
    }

    /// `err()` reading the state with a read-modify-write: the re-check after
    /// listening (an RMW reads the latest value and synchronises with the cancel's
    /// compare-exchange, so no wake-up is lost).
    fn err_rmw(&self) -> Option<ContextError> {
        self.err_from(self.state.fetch_or(0, SeqCst))
    }

    fn err_from(&self, state: u8) -> Option<ContextError> {
        match state {
            CANCELED => Some(ContextError::Canceled),
            DEADLINE => Some(ContextError::DeadlineExceeded),
            _ => match self.deadline {
                Some(d) if crate::time::now() >= d => {
                    // Record it, so the error stays the same from now on.
                    self.cancel(ContextError::DeadlineExceeded);
                    self.err()
                }
                _ => None,
            },
        }
    }

    /// Cancels this signal and its descendants with `err` (unless already done).
    fn cancel(&self, mut err: ContextError) {
        if err == ContextError::Canceled && self.deadline.is_some_and(|d| crate::time::now() >= d) {
            // The deadline came first: that is what Go's timer would have reported.
            err = ContextError::DeadlineExceeded;
        }
        if self
            .state
            .compare_exchange(LIVE, err.code(), SeqCst, SeqCst)
            .is_err()
        {
            return;
        }
        self.event.notify(usize::MAX);
        let children = std::mem::take(&mut lock(&self.children).map);
        for child in children.into_values() {
            if let Some(child) = child.upgrade() {
                child.cancel(err);
            }
        }
        // A cancelled child needs no propagation any more (Go's removeChild).
        if let Some((parent, id)) = &self.parent {
            lock(&parent.children).map.remove(id);
        }
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let Some((parent, id)) = &self.parent {
            lock(&parent.children).map.remove(id);
        }
    }
}

/// Locks a std mutex, ignoring poisoning (no code panics while holding these locks).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Node {
    parent: Option<Context>,
    /// The signal this context observes (its own or its nearest cancelable
    /// ancestor's); `None` for a context that can never be done.
    signal: Option<Arc<Signal>>,
    value: Option<Box<dyn Any + Send + Sync>>,
}

/// A cancellation signal, deadline and values carried across goroutines: Go's
/// `context.Context`.
///
/// Start from [`Context::background`]; derive children with
/// [`with_cancel`](Context::with_cancel), [`with_timeout`](Context::with_timeout),
/// [`with_deadline`](Context::with_deadline) and [`with_value`](Context::with_value).
/// Cancelling a context cancels all its descendants. A goroutine watches
/// [`done`](Context::done) (e.g. in `select!`) or polls [`err`](Context::err).
///
/// `Context` is `Clone + Send + Sync`; clones are the same context.
///
/// ```
/// use goro::context::{Context, ContextError};
///
/// goro::run(async {
///     let (ctx, cancel) = Context::background().with_cancel();
///     let worker = {
///         let ctx = ctx.clone();
///         goro::go(async move {
///             ctx.done().await; // a real worker would select! on it
///             ctx.err()
///         })
///     };
///     cancel.cancel();
///     assert_eq!(worker.await.unwrap(), Some(ContextError::Canceled));
/// });
/// ```
#[derive(Clone)]
pub struct Context {
    node: Arc<Node>,
}

/// Cancels the [`Context`] it came with (and its descendants): Go's
/// `context.CancelFunc`.
///
/// [`cancel`](CancelFn::cancel) is idempotent. Dropping a `CancelFn` does **not**
/// cancel (as in Go); nothing leaks either way, since a context unregisters from its
/// parent when its last handle is dropped.
///
/// ```
/// let (ctx, cancel) = goro::context::Context::background().with_cancel();
/// cancel.cancel();
/// cancel.cancel(); // no effect
/// assert!(ctx.err().is_some());
/// ```
#[derive(Clone)]
pub struct CancelFn {
    signal: Weak<Signal>,
}

impl CancelFn {
    /// Cancels the context and all its descendants with
    /// [`ContextError::Canceled`] (or `DeadlineExceeded` if its deadline has already
    /// passed). Later calls do nothing.
    ///
    /// ```
    /// use goro::context::{Context, ContextError};
    /// let (parent, cancel) = Context::background().with_cancel();
    /// let (child, _c) = parent.with_cancel();
    /// cancel.cancel();
    /// assert_eq!(child.err(), Some(ContextError::Canceled));
    /// ```
    pub fn cancel(&self) {
        if let Some(s) = self.signal.upgrade() {
            s.cancel(ContextError::Canceled);
        }
    }
}

impl fmt::Debug for CancelFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelFn").finish_non_exhaustive()
    }
}

impl Context {
    /// The root context: never cancelled, no deadline, no values (Go's
    /// `context.Background()`).
    ///
    /// ```
    /// let ctx = goro::context::Context::background();
    /// assert!(ctx.err().is_none());
    /// assert!(ctx.deadline().is_none());
    /// ```
    pub fn background() -> Context {
        static BACKGROUND: OnceLock<Context> = OnceLock::new();
        BACKGROUND
            .get_or_init(|| Context {
                node: Arc::new(Node {
                    parent: None,
                    signal: None,
                    value: None,
                }),
            })
            .clone()
    }

    /// Same as [`background`](Context::background) (Go's `context.TODO()`: a
    /// placeholder where the right context is not known yet).
    ///
    /// ```
    /// assert!(goro::context::Context::todo().err().is_none());
    /// ```
    pub fn todo() -> Context {
        Context::background()
    }

    fn derive(&self, deadline: Option<Instant>) -> (Context, CancelFn) {
        let parent_signal = self.node.signal.clone();
        let deadline = match (deadline, self.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let signal = match parent_signal {
            None => Arc::new(Signal {
                state: AtomicU8::new(LIVE),
                deadline,
                event: Event::new(),
                children: Mutex::default(),
                parent: None,
                bubble: crate::runtime::wait::polling_bubble(),
            }),
            Some(p) => {
                let mut children = lock(&p.children);
                let id = children.next_id;
                children.next_id += 1;
                let signal = Arc::new(Signal {
                    state: AtomicU8::new(LIVE),
                    deadline,
                    event: Event::new(),
                    children: Mutex::default(),
                    parent: Some((p.clone(), id)),
                    bubble: crate::runtime::wait::polling_bubble(),
                });
                // Checked under the parent's children lock: a concurrent cancel of the
                // parent either sees our entry or we see its state.
                let parent_err = match p.state.load(SeqCst) {
                    CANCELED => Some(ContextError::Canceled),
                    DEADLINE => Some(ContextError::DeadlineExceeded),
                    _ => {
                        children.map.insert(id, Arc::downgrade(&signal));
                        None
                    }
                };
                drop(children);
                if let Some(e) = parent_err {
                    signal.cancel(e);
                }
                signal
            }
        };
        let cancel = CancelFn {
            signal: Arc::downgrade(&signal),
        };
        let ctx = Context {
            node: Arc::new(Node {
                parent: Some(self.clone()),
                signal: Some(signal),
                value: None,
            }),
        };
        (ctx, cancel)
    }

    /// A child context cancelled when the returned [`CancelFn`] is called or when this
    /// context is (Go's `context.WithCancel`).
    ///
    /// ```
    /// let (ctx, cancel) = goro::context::Context::background().with_cancel();
    /// assert!(ctx.err().is_none());
    /// cancel.cancel();
    /// assert_eq!(ctx.err(), Some(goro::context::ContextError::Canceled));
    /// ```
    pub fn with_cancel(&self) -> (Context, CancelFn) {
        self.derive(None)
    }

    /// A child context that is done at `deadline` (or earlier, if this context's
    /// deadline is earlier), when cancelled, or when this context is (Go's
    /// `context.WithDeadline`).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let d = Instant::now() + Duration::from_secs(60);
    /// let (ctx, _cancel) = goro::context::Context::background().with_deadline(d);
    /// assert_eq!(ctx.deadline(), Some(d));
    /// ```
    pub fn with_deadline(&self, deadline: Instant) -> (Context, CancelFn) {
        self.derive(Some(deadline))
    }

    /// `with_deadline(Instant::now() + timeout)` (Go's `context.WithTimeout`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use goro::context::{Context, ContextError};
    /// goro::run(async {
    ///     let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(10));
    ///     ctx.done().await;
    ///     assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    /// });
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> (Context, CancelFn) {
        let now = crate::time::now();
        let deadline = now.checked_add(timeout);
        match deadline {
            Some(d) => self.derive(Some(d)),
            // Too far in the future to represent: no deadline of its own.
            None => self.derive(None),
        }
    }

    /// A child context carrying `value`, found by [`value`](Context::value) on it and
    /// its descendants; cancellation and deadline are this context's (Go's
    /// `context.WithValue`, keyed by the value's type).
    ///
    /// ```
    /// #[derive(Debug, PartialEq)]
    /// struct RequestId(u64);
    /// let ctx = goro::context::Context::background().with_value(RequestId(7));
    /// let (child, _cancel) = ctx.with_cancel();
    /// assert_eq!(child.value::<RequestId>(), Some(&RequestId(7)));
    /// assert_eq!(child.value::<String>(), None);
    /// ```
    pub fn with_value<T: Any + Send + Sync>(&self, value: T) -> Context {
        Context {
            node: Arc::new(Node {
                parent: Some(self.clone()),
                signal: self.node.signal.clone(),
                value: Some(Box::new(value)),
            }),
        }
    }

    /// The nearest value of type `T` attached with [`with_value`](Context::with_value)
    /// to this context or an ancestor (Go's `ctx.Value(key)`).
    ///
    /// ```
    /// let ctx = goro::context::Context::background().with_value(42u32);
    /// assert_eq!(ctx.value::<u32>(), Some(&42));
    /// ```
    pub fn value<T: Any + Send + Sync>(&self) -> Option<&T> {
        let mut node: &Node = &self.node;
        loop {
            if let Some(v) = node.value.as_ref().and_then(|v| v.downcast_ref::<T>()) {
                return Some(v);
            }
            node = &node.parent.as_ref()?.node;
        }
    }

    /// Why the context is done: `None` while it is not,
    /// `Some(`[`Canceled`](ContextError::Canceled)`)` after a cancel,
    /// `Some(`[`DeadlineExceeded`](ContextError::DeadlineExceeded)`)` once the
    /// deadline has passed (Go's `ctx.Err()`). Once `Some`, it never changes.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let (ctx, _c) = goro::context::Context::background().with_deadline(Instant::now());
    /// assert_eq!(ctx.err(), Some(goro::context::ContextError::DeadlineExceeded));
    /// ```
    pub fn err(&self) -> Option<ContextError> {
        self.node.signal.as_ref()?.err()
    }

    /// The deadline after which the context is done, if any (the earliest of its
    /// ancestors' and its own; Go's `ctx.Deadline()`).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let soon = Instant::now() + Duration::from_secs(1);
    /// let (parent, _c1) = goro::context::Context::background().with_deadline(soon);
    /// let (child, _c2) = parent.with_timeout(Duration::from_secs(3600));
    /// assert_eq!(child.deadline(), Some(soon));
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.node.signal.as_ref()?.deadline
    }

    /// A future that completes when the context is done (cancelled, or its deadline
    /// passed); then [`err`](Context::err) is `Some`. Never completes for
    /// [`background`](Context::background). Go's `<-ctx.Done()`; use it as a
    /// `select!` branch.
    ///
    /// ```
    /// goro::run(async {
    ///     let (ctx, cancel) = goro::context::Context::background().with_cancel();
    ///     cancel.cancel();
    ///     ctx.done().await;
    ///     assert!(ctx.err().is_some());
    /// });
    /// ```
    pub fn done(&self) -> DoneFuture {
        DoneFuture {
            signal: self.node.signal.clone(),
            listener: None,
            sleep: None,
        }
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::background()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("deadline", &self.deadline())
            .field("err", &self.err())
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Context::done`].
///
/// ```
/// let (ctx, cancel) = goro::context::Context::background().with_cancel();
/// let done: goro::context::DoneFuture = ctx.done();
/// cancel.cancel();
/// futures_lite::future::block_on(done);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct DoneFuture {
    signal: Option<Arc<Signal>>,
    listener: Option<EventListener>,
    /// The deadline's timer, armed on the first poll that has to wait.
    sleep: Option<crate::time::SleepFuture>,
}

impl Future for DoneFuture {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(signal) = this.signal.as_ref() else {
            return Poll::Pending; // background: never done
        };
        loop {
            if signal.err_rmw().is_some() {
                // Done already: still a yield point (a goroutine looping on a
                // cancelled context's `done()` must not hold its worker).
                if crate::runtime::coop::poll_proceed(cx).is_pending() {
                    return Poll::Pending;
                }
                return Poll::Ready(());
            }
            match this.listener.as_mut() {
                // Listen, then check again (the loop) before sleeping.
                None => this.listener = Some(signal.event.listen()),
                Some(l) => match crate::runtime::wait::poll_on(
                    cx,
                    crate::runtime::wait::Wait::new(
                        crate::runtime::wait::WaitKind::Context,
                        signal.bubble,
                    ),
                    |cx| Pin::new(l).poll(cx),
                ) {
                    Poll::Ready(()) => this.listener = None,
                    Poll::Pending => break,
                },
            }
        }
        if let Some(d) = signal.deadline {
            loop {
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| crate::time::sleep_until(d));
                match crate::runtime::wait::poll_on(
                    cx,
                    crate::runtime::wait::Wait::new(
                        crate::runtime::wait::WaitKind::Context,
                        signal.bubble,
                    ),
                    |cx| Pin::new(sleep).poll(cx),
                ) {
                    Poll::Ready(()) => {
                        this.sleep = None;
                        if signal.err().is_some() {
                            return Poll::Ready(());
                        }
                        // Woken a hair early: sleep again until the deadline.
                    }
                    Poll::Pending => break,
                }
            }
        }
        Poll::Pending
    }
}

impl fmt::Debug for DoneFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoneFuture").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn children_of(ctx: &Context) -> usize {
        lock(&ctx.node.signal.as_ref().unwrap().children).map.len()
    }

    /// Creating and dropping children of one long-lived context does not grow it.
    #[test]
    fn dropped_children_unregister() {
        let (root, _cancel) = Context::background().with_cancel();
        for _ in 0..if cfg!(miri) { 100 } else { 10_000 } {
            let (child, cancel) = root.with_cancel();
            let (grandchild, _c) = child.with_timeout(Duration::from_secs(60));
            drop(child);
            drop(cancel);
            assert_eq!(children_of(&root), 1);
            drop(grandchild);
            assert_eq!(children_of(&root), 0);
        }
        // A value child shares its parent's signal: nothing registered.
        let v = root.with_value(1u8);
        assert_eq!(children_of(&root), 0);
        let (c, _cc) = v.with_cancel();
        assert_eq!(children_of(&root), 1);
        drop(c);
        assert_eq!(children_of(&root), 0);
    }

    /// A cancelled child leaves its parent's map at once (Go's removeChild).
    #[test]
    fn cancelled_child_unregisters() {
        let (root, _cancel) = Context::background().with_cancel();
        let (child, cancel) = root.with_cancel();
        assert_eq!(children_of(&root), 1);
        cancel.cancel();
        assert_eq!(children_of(&root), 0);
        assert_eq!(child.err(), Some(ContextError::Canceled));
    }

    /// Children created and dropped on several threads while the parent is cancelled
    /// concurrently: every surviving child ends cancelled and the parent's map empty.
    #[test]
    fn concurrent_children_and_cancel() {
        let (root, cancel) = Context::background().with_cancel();
        // Cancel once every thread is a quarter of the way through.
        let started = crate::sync::WaitGroup::new();
        started.add(4);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (root, started) = (root.clone(), started.clone());
                std::thread::spawn(move || {
                    let mut kept = Vec::new();
                    // Miri: a tenth of the rounds.
                    let n = if cfg!(miri) { 200 } else { 2000 };
                    for i in 0..n {
                        if i == n / 4 {
                            started.done();
                        }
                        let (c, _cc) = root.with_cancel();
                        let (g, _gc) = c.with_timeout(Duration::from_secs(60));
                        if (i + t) % 3 == 0 {
                            kept.push(g);
                        }
                    }
                    kept
                })
            })
            .collect();
        started.wait_blocking();
        cancel.cancel();
        for t in threads {
            for g in t.join().unwrap() {
                assert_eq!(g.err(), Some(ContextError::Canceled));
            }
        }
        assert_eq!(children_of(&root), 0);
    }

    /// Children of background are not registered anywhere.
    #[test]
    fn background_children_are_roots() {
        let (c, _cancel) = Context::background().with_cancel();
        assert!(c.node.signal.as_ref().unwrap().parent.is_none());
    }
}
