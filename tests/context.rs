//! goro::context.
mod common;

use common::{run_within, within};
use goro::context::{CancelFn, Context, ContextError};
use std::time::{Duration, Instant};

#[test]
fn is_clone_send_sync() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Context>();
    assert_traits::<CancelFn>();
    fn assert_send_sync<T: Send + Sync + Unpin>() {}
    assert_send_sync::<goro::context::Done>();
}

#[test]
fn error_display_matches_go() {
    assert_eq!(ContextError::Canceled.to_string(), "context canceled");
    assert_eq!(
        ContextError::DeadlineExceeded.to_string(),
        "context deadline exceeded"
    );
    assert!(!ContextError::Canceled.is_timeout());
    let e: Box<dyn std::error::Error> = Box::new(ContextError::Canceled);
    assert_eq!(e.to_string(), "context canceled");
}

#[test]
fn background_is_never_done() {
    let bg = Context::background();
    assert_eq!(bg.err(), None);
    assert_eq!(bg.deadline(), None);
    let mut done = std::pin::pin!(bg.done());
    assert!(futures_lite::future::block_on(futures_lite::future::poll_once(&mut done)).is_none());
    assert_eq!(Context::todo().err(), None);
    assert!(format!("{:?}", Context::default()).starts_with("Context"));
}

/// Cancelling the root cancels every level below it; the cancel is idempotent.
#[test]
fn cancel_propagates_three_levels() {
    run_within(10, async {
        let (l1, cancel) = Context::background().with_cancel();
        let (l2, _c2) = l1.with_cancel();
        let l2v = l2.with_value("request-7");
        let (l3, _c3) = l2v.with_timeout(Duration::from_secs(3600));
        assert_eq!(l3.err(), None);
        let waiter = {
            let l3 = l3.clone();
            goro::go(async move {
                l3.done().await;
                l3.err()
            })
        };
        cancel.cancel();
        cancel.cancel();
        assert_eq!(waiter.await.unwrap(), Some(ContextError::Canceled));
        for c in [&l1, &l2, &l2v, &l3] {
            assert_eq!(c.err(), Some(ContextError::Canceled));
        }
        assert_eq!(l3.value::<&str>(), Some(&"request-7"));
        // A child made from a cancelled context is born cancelled.
        let (late, _c) = l2.with_cancel();
        assert_eq!(late.err(), Some(ContextError::Canceled));
        late.done().await;
    });
}

/// Cancelling a child does not touch its parent or siblings.
#[test]
fn cancel_child_only() {
    let (parent, _cp) = Context::background().with_cancel();
    let (a, cancel_a) = parent.with_cancel();
    let (b, _cb) = parent.with_cancel();
    cancel_a.cancel();
    assert_eq!(a.err(), Some(ContextError::Canceled));
    assert_eq!(parent.err(), None);
    assert_eq!(b.err(), None);
    // Dropping a CancelFn does not cancel (as in Go).
    let (c, cancel_c) = parent.with_cancel();
    drop(cancel_c);
    assert_eq!(c.err(), None);
}

/// A parent's deadline reaches a grandchild with a later deadline of its own; the
/// child's deadline is the earlier one.
#[test]
fn deadline_propagates_three_levels() {
    run_within(10, async {
        let start = Instant::now();
        let (l1, _c1) = Context::background().with_timeout(Duration::from_millis(30));
        let (l2, _c2) = l1.with_cancel();
        let (l3, _c3) = l2.with_timeout(Duration::from_secs(3600));
        assert_eq!(l3.deadline(), l1.deadline());
        assert_eq!(l2.deadline(), l1.deadline());
        assert_eq!(l3.err(), None);
        l3.done().await;
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_eq!(l3.err(), Some(ContextError::DeadlineExceeded));
        assert_eq!(l1.err(), Some(ContextError::DeadlineExceeded));
        // A child's own earlier deadline wins and leaves the parent alone.
        let (p, _cp) = Context::background().with_timeout(Duration::from_secs(3600));
        let (c, cancel) = p.with_timeout(Duration::from_millis(5));
        c.done().await;
        assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
        assert_eq!(p.err(), None);
        // The error is sticky: cancelling afterwards does not change it.
        cancel.cancel();
        assert_eq!(c.err(), Some(ContextError::DeadlineExceeded));
    });
}

#[test]
fn with_deadline_in_the_past_is_done() {
    let (ctx, _c) = Context::background().with_deadline(Instant::now());
    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    futures_lite::future::block_on(ctx.done());
}

/// `done()` as a `select!` branch, against another ready-now branch and `default`.
#[test]
fn done_in_select() {
    run_within(10, async {
        let (ctx, cancel) = Context::background().with_cancel();
        let h = {
            let ctx = ctx.clone();
            goro::go(async move {
                let mut n = 0u64;
                loop {
                    goro::select! {
                        _ = ctx.done() => return n,
                        _ = goro::yield_now() => n += 1,
                    }
                }
            })
        };
        goro::yield_now().await;
        cancel.cancel();
        h.await.unwrap();
        let (live, _c) = Context::background().with_cancel();
        let r = goro::select! {
            _ = live.done() => "done",
            default => "not done",
        };
        assert_eq!(r, "not done");
        let r = goro::select! {
            _ = ctx.done() => "done",
            default => "not done",
        };
        assert_eq!(r, "done");
    });
}

/// Many goroutines waiting on one context are all released by one cancel.
#[test]
fn many_waiters_released() {
    within(10, || {
        let (ctx, cancel) = Context::background().with_cancel();
        let ths: Vec<_> = (0..8)
            .map(|i| {
                let ctx = ctx.clone();
                std::thread::spawn(move || {
                    let (c, _cc) = ctx.with_timeout(Duration::from_secs(3600 + i));
                    futures_lite::future::block_on(c.done());
                    c.err()
                })
            })
            .collect();
        cancel.cancel();
        for t in ths {
            assert_eq!(t.join().unwrap(), Some(ContextError::Canceled));
        }
    });
}

#[test]
fn values_by_type() {
    #[derive(Debug, PartialEq)]
    struct User(&'static str);
    let ctx = Context::background()
        .with_value(User("ann"))
        .with_value(5u32);
    let (child, _c) = ctx.with_cancel();
    let shadow = child.with_value(User("bob"));
    assert_eq!(child.value::<User>(), Some(&User("ann")));
    assert_eq!(shadow.value::<User>(), Some(&User("bob")));
    assert_eq!(shadow.value::<u32>(), Some(&5));
    assert_eq!(shadow.value::<i64>(), None);
    assert_eq!(Context::background().value::<u32>(), None);
}

/// `done()` with a deadline under a foreign executor (plain `block_on` on a thread
/// outside any goro runtime): goro's timers still fire.
#[test]
fn deadline_outside_the_runtime() {
    within(10, || {
        let t = Instant::now();
        let (ctx, _c) = Context::background().with_timeout(Duration::from_millis(10));
        futures_lite::future::block_on(ctx.done());
        assert!(t.elapsed() >= Duration::from_millis(10));
        assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    });
}
