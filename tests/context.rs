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
    assert_send_sync::<goro::context::DoneFuture>();
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

/// A timeout in the middle of three levels, with real timers: it reaches the level
/// below (which inherits its deadline) and not the level above; cancelling the top
/// afterwards does not change the middle's sticky `DeadlineExceeded`.
#[test]
fn middle_timeout_propagates_down_not_up() {
    run_within(10, async {
        let start = Instant::now();
        let timeout = Duration::from_millis(20);
        let (top, cancel_top) = Context::background().with_cancel();
        let (mid, _cm) = top.with_timeout(timeout);
        let (bottom, _cb) = mid.with_value("req-1").with_cancel();
        assert_eq!(bottom.deadline(), mid.deadline());
        assert_eq!(top.deadline(), None);

        let waiter = |ctx: Context| {
            goro::go(async move {
                ctx.done().await;
                (Instant::now(), ctx.err())
            })
        };
        let (w_bottom, w_mid) = (waiter(bottom.clone()), waiter(mid.clone()));
        // The top is never done by the middle's timer: its done() loses to a sleep
        // well past the middle's deadline.
        let top_done = goro::select! {
            _ = top.done() => true,
            _ = goro::time::sleep(timeout * 3) => false,
        };
        assert!(!top_done, "a child's deadline cancelled its parent");
        assert_eq!(top.err(), None);

        for w in [w_bottom, w_mid] {
            let (at, err) = w.await.unwrap();
            assert!(at >= start + timeout, "done before the deadline");
            assert_eq!(err, Some(ContextError::DeadlineExceeded));
        }
        assert_eq!(bottom.value::<&str>(), Some(&"req-1"));
        cancel_top.cancel();
        assert_eq!(top.err(), Some(ContextError::Canceled));
        assert_eq!(mid.err(), Some(ContextError::DeadlineExceeded));
        assert_eq!(bottom.err(), Some(ContextError::DeadlineExceeded));
    });
}

/// Cancelling the top of three levels beats the middle's (long) timeout: the bottom
/// is released at once with `Canceled`, while a timeout branch beside it loses.
#[test]
fn top_cancel_beats_middle_timeout() {
    run_within(10, async {
        let (top, cancel_top) = Context::background().with_cancel();
        let (mid, _cm) = top.with_timeout(Duration::from_secs(3600));
        let (bottom, _cb) = mid.with_cancel();
        let (ready_tx, ready) = goro::chan::<()>(0);
        let waiter = {
            let bottom = bottom.clone();
            goro::go(async move {
                ready_tx.send(()).await.unwrap();
                goro::select! {
                    _ = bottom.done() => bottom.err(),
                    _ = goro::time::after(Duration::from_secs(5)) => None,
                }
            })
        };
        ready.recv().await.unwrap();
        cancel_top.cancel();
        assert_eq!(waiter.await.unwrap(), Some(ContextError::Canceled));
        assert_eq!(mid.err(), Some(ContextError::Canceled));
        assert_eq!(top.err(), Some(ContextError::Canceled));
    });
}

/// `ctx.done()` as the losing branch of a select: while the context lives, values
/// keep winning and none is lost; once its deadline passes, `done` wins.
#[test]
fn losing_done_branch_in_select() {
    run_within(10, async {
        const N: u64 = 1000;
        let start = Instant::now();
        let deadline = Duration::from_millis(30);
        let (ctx, _cancel) = Context::background().with_timeout(deadline);
        let (tx, rx) = goro::chan::<u64>(16);
        goro::go(async move {
            for i in 1..=N {
                tx.send(i).await.unwrap();
            }
        });
        let (mut got, mut sum, mut open) = (0u64, 0u64, true);
        loop {
            goro::select! {
                v = rx.recv(), if open => match v {
                    Some(v) => { got += 1; sum += v; }
                    None => open = false, // all received; only the deadline is left
                },
                _ = ctx.done() => {
                    assert!(start.elapsed() >= deadline, "done before the deadline");
                    assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
                    break;
                }
            }
        }
        // If the deadline won early (a slow machine), the rest is still there.
        while let Some(v) = rx.recv().await {
            got += 1;
            sum += v;
        }
        assert_eq!(
            (got, sum),
            (N, N * (N + 1) / 2),
            "a losing done() consumed a value"
        );

        // A ticker against the deadline: ticks win until the context is done; no
        // tick comes early, so at most deadline / period ticks (and one that was
        // ready together with done) are counted.
        let (ctx, _cancel) = Context::background().with_timeout(deadline);
        let period = Duration::from_millis(5);
        let ticker = goro::time::tick(period);
        let mut ticks = 0u32;
        loop {
            goro::select! {
                _ = ticker.recv() => ticks += 1,
                _ = ctx.done() => break,
            }
        }
        assert!(
            ticks <= 7,
            "{ticks} ticks of {period:?} within {deadline:?}"
        );
        assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    });
}
