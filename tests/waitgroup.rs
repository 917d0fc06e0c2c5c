//! goro::sync::WaitGroup.
mod common;

use common::{run_within, within};
use goro::atomic::Int64;
use goro::sync::WaitGroup;
use std::sync::Arc;

#[test]
fn wait_on_zero_returns_at_once() {
    run_within(5, async {
        let wg = WaitGroup::new();
        wg.wait().await;
        assert_eq!(wg.count(), 0);
    });
    // The blocking form, from a plain thread (inside a goroutine it panics).
    within(5, || WaitGroup::new().wait_blocking());
}

#[test]
fn many_goroutines_done() {
    run_within(10, async {
        let wg = WaitGroup::new();
        let n = Arc::new(Int64::new(0));
        let mut hs = Vec::new();
        for _ in 0..200 {
            wg.add(1);
            let (wg, n) = (wg.clone(), n.clone());
            hs.push(goro::go(async move {
                n.add(1);
                wg.done();
            }));
        }
        wg.wait().await;
        assert_eq!(n.load(), 200);
    });
}

#[test]
fn go_helper_counts_and_returns_handle() {
    run_within(10, async {
        let wg = WaitGroup::new();
        let hs: Vec<_> = (0..50).map(|i| wg.go(async move { i * 2 })).collect();
        wg.wait().await;
        assert_eq!(wg.count(), 0);
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        assert_eq!(sum, (0..50).map(|i| i * 2).sum::<i32>());
    });
}

#[test]
fn go_helper_done_on_panic() {
    run_within(10, async {
        let wg = WaitGroup::new();
        let h = wg.go(async { panic!("boom") });
        wg.wait().await;
        assert!(matches!(h.await, Err(goro::JoinError::Panicked(_))));
    });
}

#[test]
fn negative_counter_panics_with_go_message() {
    let wg = WaitGroup::new();
    let err = std::panic::catch_unwind(|| wg.done()).unwrap_err();
    let msg = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap();
    assert_eq!(msg, "sync: negative WaitGroup counter");
    // The bad call did not corrupt the counter.
    assert_eq!(wg.count(), 0);
    wg.add(1);
    let err = std::panic::catch_unwind(|| wg.add(-2)).unwrap_err();
    assert!(err.downcast_ref::<&str>().is_some());
    assert_eq!(wg.count(), 1);
}

#[test]
fn reusable_after_wait() {
    run_within(10, async {
        let wg = WaitGroup::new();
        for round in 0..5 {
            let n = Arc::new(Int64::new(0));
            let mut hs = Vec::new();
            for _ in 0..10 {
                let n = n.clone();
                hs.push(wg.go(async move {
                    n.add(1);
                }));
            }
            wg.wait().await;
            assert_eq!(n.load(), 10, "round {round}");
        }
    });
}

#[test]
fn wait_blocking_from_plain_threads() {
    within(10, || {
        let wg = WaitGroup::new();
        let n = Arc::new(Int64::new(0));
        for _ in 0..8 {
            wg.add(1);
            let (wg, n) = (wg.clone(), n.clone());
            std::thread::spawn(move || {
                n.add(1);
                wg.done();
            });
        }
        wg.wait_blocking();
        assert_eq!(n.load(), 8);
    });
}

#[test]
fn many_waiters_all_released() {
    within(10, || {
        let wg = WaitGroup::new();
        wg.add(1);
        let released = Arc::new(Int64::new(0));
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let (wg, released) = (wg.clone(), released.clone());
                std::thread::spawn(move || {
                    wg.wait_blocking();
                    released.add(1);
                })
            })
            .collect();
        assert_eq!(released.load(), 0);
        wg.done();
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(released.load(), 8);
    });
}

#[test]
fn executor_agnostic_block_on() {
    within(10, || {
        let wg = WaitGroup::new();
        wg.add(2);
        let w2 = wg.clone();
        let t = std::thread::spawn(move || {
            w2.done();
            w2.done();
        });
        futures_lite::future::block_on(wg.wait());
        t.join().unwrap();
    });
}

#[test]
fn debug_and_default() {
    let wg = WaitGroup::default();
    wg.add(2);
    assert_eq!(format!("{wg:?}"), "WaitGroup { count: 2 }");
}

#[test]
fn types_are_send_sync() {
    fn assert_send<T: Send>() {}
    fn assert_sync<T: Sync>() {}
    assert_send::<WaitGroup>();
    assert_sync::<WaitGroup>();
    assert_send::<goro::sync::WaitFuture<'static>>();
}
