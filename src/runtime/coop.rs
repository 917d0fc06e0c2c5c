//! Cooperative budgeting: a goroutine that keeps finding its channels, locks and
//! wait groups ready never suspends, so without help it would hold its worker
//! forever (Go preempts it; tokio calls this "coop"). Each goroutine poll gets a
//! budget of [`BUDGET`] operations on goro primitives; an operation that finds the
//! budget spent wakes the goroutine and returns `Pending` without taking effect, so
//! the goroutine goes to the back of the run queue and the rest of the worker's
//! goroutines (and the main goroutine) get their turn.
//!
//! Outside goro's workers (other executors, plain threads) there is no budget.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Operations per goroutine poll before a forced yield (tokio uses 128 too).
pub(crate) const BUDGET: u16 = 128;

thread_local! {
    /// Remaining budget of the goroutine being polled; `u16::MAX` = unconstrained.
    static LEFT: Cell<u16> = const { Cell::new(u16::MAX) };
}

/// Gives the next poll on this thread a fresh budget (called by the worker loop).
pub(crate) fn reset() {
    let _ = LEFT.try_with(|b| b.set(BUDGET));
}

/// Removes the budget (after the worker loop stops).
pub(crate) fn unconstrained() {
    let _ = LEFT.try_with(|b| b.set(u16::MAX));
}

/// Runs `f` (a `_blocking` call that polls goro futures on this thread) without a
/// budget: a blocked thread must never be told to yield, or it would spin forever.
pub(crate) fn unconstrained_while<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u16>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(v) = self.0 {
                let _ = LEFT.try_with(|b| b.set(v));
            }
        }
    }
    let _restore = Restore(LEFT.try_with(|b| b.replace(u16::MAX)).ok());
    f()
}

/// Spends one unit of budget: `Ready` to go on, or `Pending` (with the task already
/// woken) when the goroutine must yield first. Call it before an operation that could
/// complete without suspending; on `Pending`, take no effect and return `Pending`.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    let left = LEFT.try_with(|b| {
        let v = b.get();
        if v != u16::MAX && v > 0 {
            b.set(v - 1);
        }
        v
    });
    match left {
        Ok(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        _ => Poll::Ready(()),
    }
}

/// Spends one unit of budget in an `async fn` (yielding first if it is spent): for
/// a goro operation that can finish without reaching a goro future that does so
/// itself (`Once::call_once` once done).
#[inline]
pub(crate) async fn proceed() {
    futures_lite::future::poll_fn(poll_proceed).await
}
