//! `timeout`: bound how long a future may take (Go uses `context.WithTimeout` or a
//! `select` on `time.After`; this is the Rust idiom for the same).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::SleepFuture;

/// The error of [`timeout`] when the deadline passed first.
///
/// ```
/// let e = goro::time::Elapsed::new();
/// assert_eq!(e.to_string(), "deadline has elapsed");
/// let io: std::io::Error = e.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Elapsed(());

impl Elapsed {
    /// An `Elapsed` error (for code that reports timeouts of its own).
    ///
    /// ```
    /// let _ = goro::time::Elapsed::new();
    /// ```
    pub fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    #[must_use = "futures do nothing unless awaited"]
    #[derive(Debug)]
    pub struct TimeoutFuture<F> {
        #[pin]
        fut: F,
        #[pin]
        sleep: SleepFuture,
    }
}

/// Runs `fut`, giving up once `d` has elapsed: `Ok(output)` if it finished in time
/// (a result ready at the deadline still wins), else `Err(Elapsed)` and `fut` is
/// dropped.
///
/// ```
/// use std::time::Duration;
/// use goro::time::{sleep, timeout};
/// goro::run(async {
///     assert_eq!(timeout(Duration::from_secs(5), async { 7 }).await, Ok(7));
///     let slow = timeout(Duration::from_millis(1), sleep(Duration::from_secs(60)));
///     assert!(slow.await.is_err());
/// });
/// ```
pub fn timeout<F: Future>(d: Duration, fut: F) -> TimeoutFuture<F> {
    TimeoutFuture {
        fut,
        sleep: super::sleep(d),
    }
}

/// Like [`timeout`] with an absolute deadline.
///
/// ```
/// use std::time::{Duration, Instant};
/// goro::run(async {
///     let r = goro::time::timeout_at(Instant::now() + Duration::from_secs(1), async { 1 }).await;
///     assert_eq!(r, Ok(1));
/// });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, fut: F) -> TimeoutFuture<F> {
    TimeoutFuture {
        fut,
        sleep: super::sleep_until(deadline),
    }
}

impl<F: Future> Future for TimeoutFuture<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A yield point even when the inner future is always ready at once (a
        // goroutine looping over `timeout(d, ready_future)` must not hold its
        // worker): one unit of cooperative budget per poll.
        if crate::runtime::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let this = self.project();
        if let Poll::Ready(v) = this.fut.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match this.sleep.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}
