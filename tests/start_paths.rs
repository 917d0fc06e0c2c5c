//! One semantics for every way to start a runtime: `run`, `Runtime::block_on` (any
//! number of workers), `#[goro::main(..)]` and `#[goro::test(..)]` all run the main
//! goroutine on worker 0, which is the calling thread, so `yield_now` in it lets the
//! goroutines queued there run, and deadlock detection applies the same rule (its
//! positive cases for each path run in child processes: tests/deadlock.rs).
//! `run` with GOMAXPROCS=1 is checked there too (the variable is process-wide).
mod common;

use common::within;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::thread::ThreadId;
use std::time::Duration;

/// In the main goroutine: checks it runs on `caller`, that one `yield_now` lets a
/// goroutine spawned just before run to completion (on one worker), and returns the
/// thread that goroutine ran on.
async fn main_body(caller: ThreadId, one_worker: bool) -> ThreadId {
    assert_eq!(
        std::thread::current().id(),
        caller,
        "main runs on the caller"
    );
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let h = goro::go(async move {
        f.store(true, SeqCst);
        std::thread::current().id()
    });
    goro::yield_now().await;
    if one_worker {
        assert!(flag.load(SeqCst), "yield_now let the goroutine run first");
    }
    assert_eq!(std::thread::current().id(), caller);
    h.await.unwrap()
}

#[test]
fn block_on_with_one_worker_is_run() {
    within(20, || {
        let me = std::thread::current().id();
        let rt = goro::Runtime::builder().workers(1).build();
        let ran_on = rt.block_on(main_body(me, true));
        assert_eq!(ran_on, me, "the one worker is the calling thread");
    });
}

#[test]
fn block_on_with_two_workers_runs_main_on_the_caller() {
    within(20, || {
        let me = std::thread::current().id();
        goro::Runtime::builder()
            .workers(2)
            .build()
            .block_on(main_body(me, false));
    });
}

#[cfg(feature = "macros")]
#[goro::main(workers = 1)]
async fn main_attribute_one_worker(caller: ThreadId) -> ThreadId {
    main_body(caller, true).await
}

#[cfg(feature = "macros")]
#[test]
fn main_attribute_with_workers_is_run() {
    within(20, || {
        let me = std::thread::current().id();
        assert_eq!(main_attribute_one_worker(me), me);
    });
}

#[cfg(feature = "macros")]
#[goro::test(workers = 1)]
async fn test_attribute_with_one_worker_is_run() {
    let me = std::thread::current().id();
    assert_eq!(main_body(me, true).await, me);
}

#[cfg(feature = "macros")]
#[goro::test]
async fn test_attribute_is_run() {
    let me = std::thread::current().id();
    main_body(me, false).await;
}

#[test]
fn a_single_worker_runtime_runs_goroutines_without_block_on() {
    within(20, || {
        let rt = goro::Runtime::builder().workers(1).build();
        let (tx, rx) = std::sync::mpsc::channel();
        rt.go(async move { tx.send(6 * 7).unwrap() });
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(42));
    });
}

#[test]
fn block_on_takes_worker_0_over_from_the_stand_in_and_gives_it_back() {
    within(20, || {
        let me = std::thread::current().id();
        let rt = goro::Runtime::builder().workers(1).build();
        let (go_tx, go_rx) = goro::chan::<()>(0);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        // Parked before `block_on`; woken inside it: runs on the caller.
        let inside = rt.go(async move {
            go_rx.recv().await;
            std::thread::current().id()
        });
        // Parked during `block_on`; woken after it: runs on the stand-in again.
        let (after_tx, after_rx) = goro::chan::<()>(0);
        rt.go(async move {
            after_rx.recv().await;
            done_tx.send(std::thread::current().id()).unwrap();
        });
        let ran_on = rt.block_on(async move {
            go_tx.send(()).await.unwrap();
            inside.await.unwrap()
        });
        assert_eq!(ran_on, me);
        after_tx.send_blocking(()).unwrap();
        let later = done_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_ne!(
            later, me,
            "after block_on, the stand-in runs worker 0 again"
        );
    });
}

#[test]
fn block_on_waits_for_the_stand_ins_current_poll() {
    within(20, || {
        let rt = goro::Runtime::builder().workers(1).build();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        // A goroutine that holds the stand-in (misbehaving: it blocks its worker).
        rt.go(async move {
            started_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(100));
        });
        started_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(rt.block_on(async { 5 }), 5);
    });
}

#[test]
fn two_block_on_callers_share_one_runtime() {
    within(20, || {
        let rt = Arc::new(goro::Runtime::builder().workers(1).build());
        let (tx, rx) = goro::chan::<u32>(0);
        let rt2 = rt.clone();
        // One of the two acts as worker 0; the other waits on its own thread.
        let t = std::thread::spawn(move || rt2.block_on(async move { rx.recv().await }));
        rt.block_on(async move { tx.send(3).await.unwrap() });
        assert_eq!(t.join().unwrap(), Some(3));
    });
}

#[test]
fn block_on_again_and_again_on_a_single_worker_runtime() {
    // Worker 0 passes between the stand-in and `block_on` callers 300 times, with
    // goroutines spawned from outside in between: none is lost.
    within(60, || {
        let rt = goro::Runtime::builder().workers(1).build();
        for i in 0..300u32 {
            let outside = rt.go(async move {
                goro::yield_now().await;
                i
            });
            let v = rt.block_on(async move {
                let inside = goro::go(async move { i * 2 });
                outside.await.unwrap() + inside.await.unwrap()
            });
            assert_eq!(v, 3 * i);
        }
    });
}

#[test]
fn block_on_from_three_threads_at_once_on_a_single_worker_runtime() {
    // Callers race for worker 0 (one wins, the others poll on their own threads)
    // while the stand-in steps aside and back: every future completes.
    within(60, || {
        let rt = Arc::new(goro::Runtime::builder().workers(1).build());
        let ts: Vec<_> = (0..3u32)
            .map(|t| {
                let rt = rt.clone();
                std::thread::spawn(move || {
                    let mut sum = 0;
                    for i in 0..100u32 {
                        let h = rt.go(async move { i + t });
                        sum += rt.block_on(async move {
                            goro::yield_now().await;
                            h.await.unwrap()
                        });
                    }
                    sum
                })
            })
            .collect();
        for (t, h) in ts.into_iter().enumerate() {
            assert_eq!(h.join().unwrap(), (0..100).sum::<u32>() + 100 * t as u32);
        }
    });
}
