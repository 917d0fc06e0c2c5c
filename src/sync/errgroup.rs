//! `ErrGroup`: goroutines working on subtasks of a common task, with the first error
//! kept, a shared [`Context`] cancelled on failure and an optional concurrency limit
//! (Go's `golang.org/x/sync/errgroup`).
//!
//! # Algorithm
//!
//! A group is a cheap handle (`Arc`) to a [`WaitGroup`], a slot for the first error
//! (a `std` mutex: first writer wins), the optional [`CancelFn`] of its derived
//! context and an optional FIFO [`Semaphore`] for the limit. [`ErrGroup::go`] spawns a
//! member with [`WaitGroup::go`]; the member first takes one permit (if there is a
//! limit), then runs its future under `catch_unwind`. An `Err` (or a panic, turned into
//! a [`PanicError`] and then into `E` with `From`) is stored if it is the first, and
//! cancels the group's context. [`ErrGroup::wait`] waits for the wait group, cancels
//! the context (as Go's `Wait` does) and returns the first error.
//!
//! # Error type
//!
//! `ErrGroup<E>` is generic over the members' error type, with
//! `E = Box<dyn Error + Send + Sync>` by default. `E` must implement
//! `From<`[`PanicError`]`>` so that a panicking member surfaces as an error: boxed
//! errors, `String`, `std::io::Error`, `PanicError` itself and `anyhow::Error` do; for
//! your own error enum add a variant.
//!
//! # Differences from Go
//!
//! * With a limit, Go's `Go` blocks the caller until a slot frees up. goro's `go` never
//!   blocks: it spawns the member at once and the member waits (in FIFO order) for a
//!   slot before running its body, so at most `limit` bodies run at a time. Parked
//!   goroutines are cheap in goro; [`try_go`](ErrGroup::try_go) is Go's `TryGo`.
//! * Members return `Result<(), E>` instead of `error`; a panicking member becomes an
//!   error instead of crashing the program, in line with goro's default panic policy.
//!   (In Go a member's panic crashes the program; x/sync briefly carried the panic to
//!   `Wait` as an `errgroup.PanicError`, golang/go#53757, and reverted that in 2025.)
//!   The panic message is still printed by the panic hook when it happens.
//! * `wait` takes the first error out: a second `wait` returns `Ok(())` unless a new
//!   error occurred.
//! * A limit must be at least 1 (Go: 0 blocks every `Go`; negative removes the limit).

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures_lite::FutureExt;

use super::{Semaphore, WaitGroup};
use crate::context::{CancelFn, Context};

/// The default error type of [`ErrGroup`]: any boxed error.
///
/// ```
/// let e: goro::sync::BoxError = "failed".into();
/// assert_eq!(e.to_string(), "failed");
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error a panicking [`ErrGroup`] member turns into (with the panic's message).
///
/// ```
/// goro::run(async {
///     let g: goro::sync::ErrGroup = goro::sync::ErrGroup::new();
///     g.go(async { panic!("oops") });
///     let err = g.wait().await.unwrap_err();
///     assert_eq!(err.to_string(), "goroutine panicked: oops");
/// });
/// ```
#[derive(Debug, Clone)]
pub struct PanicError {
    message: String,
}

impl PanicError {
    fn new(payload: Box<dyn std::any::Any + Send>) -> PanicError {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "(non-string panic payload)".to_string()
        };
        PanicError { message }
    }

    /// The panic's message.
    ///
    /// ```
    /// goro::run(async {
    ///     let g: goro::sync::ErrGroup<goro::sync::PanicError> = goro::sync::ErrGroup::new();
    ///     g.go(async { panic!("bad") });
    ///     assert_eq!(g.wait().await.unwrap_err().message(), "bad");
    /// });
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PanicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "goroutine panicked: {}", self.message)
    }
}

impl std::error::Error for PanicError {}

/// So that `ErrGroup<String>` works: the panic as text.
impl From<PanicError> for String {
    fn from(p: PanicError) -> String {
        p.to_string()
    }
}

/// So that `ErrGroup<std::io::Error>` works: an error of kind `Other`.
impl From<PanicError> for std::io::Error {
    fn from(p: PanicError) -> std::io::Error {
        std::io::Error::other(p)
    }
}

struct Inner<E> {
    wg: WaitGroup,
    err: Mutex<Option<E>>,
    cancel: Option<CancelFn>,
    limit: Mutex<Option<Arc<Semaphore>>>,
}

/// A group of goroutines whose first error is kept: Go's `errgroup.Group`.
///
/// ```
/// use goro::sync::ErrGroup;
///
/// goro::run(async {
///     let g: ErrGroup = ErrGroup::new();
///     for i in 0..5 {
///         g.go(async move {
///             if i == 3 {
///                 return Err(format!("task {i} failed").into());
///             }
///             Ok(())
///         });
///     }
///     let err = g.wait().await.unwrap_err();
///     assert_eq!(err.to_string(), "task 3 failed");
/// });
/// ```
pub struct ErrGroup<E = BoxError> {
    inner: Arc<Inner<E>>,
}

impl<E> Clone for ErrGroup<E> {
    fn clone(&self) -> Self {
        ErrGroup {
            inner: self.inner.clone(),
        }
    }
}

impl<E> ErrGroup<E>
where
    E: From<PanicError> + Send + 'static,
{
    fn make(cancel: Option<CancelFn>) -> Self {
        ErrGroup {
            inner: Arc::new(Inner {
                wg: WaitGroup::new(),
                err: Mutex::new(None),
                cancel,
                limit: Mutex::new(None),
            }),
        }
    }

    /// A new group with no context and no limit (Go's zero `errgroup.Group`).
    ///
    /// ```
    /// goro::run(async {
    ///     let g: goro::sync::ErrGroup = goro::sync::ErrGroup::new();
    ///     g.go(async { Ok(()) });
    ///     assert!(g.wait().await.is_ok());
    /// });
    /// ```
    pub fn new() -> Self {
        Self::make(None)
    }

    /// A new group and a context derived from `ctx` that is cancelled when a member
    /// fails or when [`wait`](ErrGroup::wait) returns (Go's `errgroup.WithContext`).
    ///
    /// ```
    /// use goro::context::Context;
    /// use goro::sync::ErrGroup;
    ///
    /// goro::run(async {
    ///     let (g, ctx): (ErrGroup, Context) = ErrGroup::with_context(&Context::background());
    ///     let c = ctx.clone();
    ///     g.go(async move {
    ///         c.done().await; // stops when a sibling fails
    ///         Ok(())
    ///     });
    ///     g.go(async { Err("boom".into()) });
    ///     assert_eq!(g.wait().await.unwrap_err().to_string(), "boom");
    ///     assert!(ctx.err().is_some());
    /// });
    /// ```
    pub fn with_context(ctx: &Context) -> (Self, Context) {
        let (ctx, cancel) = ctx.with_cancel();
        (Self::make(Some(cancel)), ctx)
    }

    /// Builder form of [`set_limit`](ErrGroup::set_limit).
    ///
    /// ```
    /// let g: goro::sync::ErrGroup = goro::sync::ErrGroup::new().with_limit(4);
    /// assert_eq!(g.limit(), Some(4));
    /// ```
    pub fn with_limit(self, n: usize) -> Self {
        self.set_limit(n);
        self
    }

    /// Limits the number of members running their bodies at a time to `n` (Go's
    /// `SetLimit`).
    ///
    /// # Panics
    ///
    /// When `n == 0`, or when members are still active (as Go does).
    ///
    /// ```
    /// let g: goro::sync::ErrGroup = goro::sync::ErrGroup::new();
    /// g.set_limit(2);
    /// assert_eq!(g.limit(), Some(2));
    /// ```
    pub fn set_limit(&self, n: usize) {
        assert!(n > 0, "errgroup: limit must be at least 1");
        let active = self.inner.wg.count();
        if active != 0 {
            panic!(
                "errgroup: modify limit while {active} goroutines in the group are still active"
            );
        }
        *lock(&self.inner.limit) = Some(Arc::new(Semaphore::new(n)));
    }

    /// The limit set with [`set_limit`](ErrGroup::set_limit), if any.
    ///
    /// ```
    /// let g: goro::sync::ErrGroup = goro::sync::ErrGroup::new();
    /// assert_eq!(g.limit(), None);
    /// ```
    pub fn limit(&self) -> Option<usize> {
        lock(&self.inner.limit).as_ref().map(|s| s.capacity())
    }

    /// Runs `fut` as a member goroutine (Go's `Go`). Its error, or its panic as a
    /// [`PanicError`], becomes the group's error if it is the first. With a limit, the
    /// member waits for a free slot before running `fut` (the caller never blocks).
    ///
    /// ```
    /// goro::run(async {
    ///     let g: goro::sync::ErrGroup = goro::sync::ErrGroup::new();
    ///     g.go(async { Ok(()) });
    ///     g.wait().await.unwrap();
    /// });
    /// ```
    pub fn go<F>(&self, fut: F)
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let permit = lock(&self.inner.limit).clone();
        let inner = self.inner.clone();
        self.spawn(async move {
            let _permit = match permit {
                Some(sem) => Some(sem.acquire_owned(1).await),
                None => None,
            };
            run_member(&inner, fut).await;
        });
    }

    /// Runs `fut` as a member only if the limit allows one more right now; returns
    /// whether it did (Go's `TryGo`). Without a limit it always does.
    ///
    /// ```
    /// goro::run(async {
    ///     let g: goro::sync::ErrGroup = goro::sync::ErrGroup::new().with_limit(1);
    ///     let (tx, rx) = std::sync::mpsc::channel::<()>();
    ///     assert!(g.try_go(async move { let _ = goro::unblock(move || rx.recv()).await; Ok(()) }));
    ///     assert!(!g.try_go(async { Ok(()) })); // the slot is taken
    ///     tx.send(()).unwrap();
    ///     g.wait().await.unwrap();
    /// });
    /// ```
    pub fn try_go<F>(&self, fut: F) -> bool
    where
        F: Future<Output = Result<(), E>> + Send + 'static,
    {
        let sem = lock(&self.inner.limit).clone();
        let permit = match &sem {
            Some(sem) => match sem.try_acquire(1) {
                Some(p) => {
                    p.forget();
                    Some(ReleaseOnDrop(sem.clone()))
                }
                None => return false,
            },
            None => None,
        };
        let inner = self.inner.clone();
        self.spawn(async move {
            let _permit = permit;
            run_member(&inner, fut).await;
        });
        true
    }

    fn spawn<F>(&self, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        // The handle is dropped: the goroutine is detached (the wait group tracks it).
        drop(self.inner.wg.go(fut));
    }

    /// Waits for every member, cancels the group's context, and returns the first
    /// error (taking it out of the group) (Go's `Wait`).
    ///
    /// ```
    /// goro::run(async {
    ///     let g: goro::sync::ErrGroup = goro::sync::ErrGroup::new();
    ///     g.go(async { Err("first".into()) });
    ///     assert!(g.wait().await.is_err());
    ///     assert!(g.wait().await.is_ok()); // taken
    /// });
    /// ```
    pub async fn wait(&self) -> Result<(), E> {
        self.inner.wg.wait().await;
        if let Some(c) = &self.inner.cancel {
            c.cancel();
        }
        match lock(&self.inner.err).take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<E> Default for ErrGroup<E>
where
    E: From<PanicError> + Send + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<E> fmt::Debug for ErrGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrGroup")
            .field("active", &self.inner.wg.count())
            .field("failed", &lock(&self.inner.err).is_some())
            .finish_non_exhaustive()
    }
}

struct ReleaseOnDrop(Arc<Semaphore>);

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        self.0.release(1);
    }
}

async fn run_member<E, F>(inner: &Inner<E>, fut: F)
where
    E: From<PanicError>,
    F: Future<Output = Result<(), E>>,
{
    let err = match std::panic::AssertUnwindSafe(fut).catch_unwind().await {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e,
        Err(payload) => E::from(PanicError::new(payload)),
    };
    {
        let mut slot = lock(&inner.err);
        if slot.is_none() {
            *slot = Some(err);
        }
    }
    if let Some(c) = &inner.cancel {
        c.cancel();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
