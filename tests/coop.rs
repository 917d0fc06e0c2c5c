//! Every goro future that can complete without waiting is a yield point: it spends
//! the cooperative budget (128 ready operations per goroutine poll) and yields once
//! that is spent, so a goroutine looping over it cannot hold its worker forever.
//!
//! Each test runs, on a runtime with one worker and then with two, two goroutines
//! looping `while !stop { primitive }` and a third that sleeps 10 ms and then sets
//! `stop` (with two workers the main goroutine runs on one of them too, and has to
//! run to collect the others). If the primitive never yields, the third goroutine
//! (or main) never runs again and the test fails on its watchdog instead of
//! hanging.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};

use goro::Runtime;

/// Two goroutines loop over `step()` until a third (after 10 ms) tells them to
/// stop, on `workers` workers; fails after 30 s.
fn no_starvation<F, Fut>(workers: usize, step: F)
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    common::within(30, move || {
        let rt = Runtime::builder().workers(workers).build();
        rt.block_on(async move {
            let stop = Arc::new(AtomicBool::new(false));
            let s = stop.clone();
            let stopper = goro::go(async move {
                goro::time::sleep(Duration::from_millis(10)).await;
                s.store(true, SeqCst);
            });
            let loops: Vec<_> = (0..2)
                .map(|_| {
                    let (stop, step) = (stop.clone(), step.clone());
                    goro::go(async move {
                        let mut n = 0u64;
                        while !stop.load(SeqCst) {
                            step().await;
                            n += 1;
                        }
                        n
                    })
                })
                .collect();
            stopper.await.unwrap();
            for h in loops {
                h.await.unwrap();
            }
        });
    });
}

/// One test per worker count for a primitive: `$step` is a closure returning the
/// future one loop iteration awaits.
macro_rules! no_starvation_tests {
    ($name:ident, $step:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn one_worker() {
                no_starvation(1, $step);
            }

            #[test]
            fn two_workers() {
                no_starvation(2, $step);
            }
        }
    };
}

// time: a sleep whose deadline has passed by its first poll (the program:
// Go's TestTickerStress runs this loop).
no_starvation_tests!(sleep_1ns, || goro::time::sleep(Duration::from_nanos(1)));
no_starvation_tests!(sleep_zero, || goro::time::sleep(Duration::ZERO));
no_starvation_tests!(sleep_until_past, || {
    goro::time::sleep_until(Instant::now() - Duration::from_millis(1))
});
// time: a timeout whose future is ready at once.
no_starvation_tests!(timeout_ready, || async {
    let r = goro::time::timeout(Duration::from_secs(60), std::future::ready(7)).await;
    assert_eq!(r, Ok(7));
});
// time: a timeout already expired around a future that never completes.
no_starvation_tests!(timeout_expired, || async {
    let r = goro::time::timeout(Duration::ZERO, std::future::pending::<()>()).await;
    assert!(r.is_err());
});
// time: timer channels (a receive finds the value, or waits for the fire).
no_starvation_tests!(after_zero, || async {
    goro::time::after(Duration::ZERO).recv().await;
});
no_starvation_tests!(timer_zero, || async {
    let t = goro::time::Timer::new(Duration::ZERO);
    t.recv().await;
});
no_starvation_tests!(ticker_recv, {
    let t = Arc::new(goro::time::tick(Duration::from_nanos(1)));
    move || {
        let t = t.clone();
        async move {
            t.recv().await;
        }
    }
});

// context: `done()` of a cancelled context.
no_starvation_tests!(context_done_cancelled, {
    let (ctx, cancel) = goro::context::Context::background().with_cancel();
    cancel.cancel();
    move || {
        let ctx = ctx.clone();
        async move { ctx.done().await }
    }
});
// context: `done()` of a context whose deadline has passed.
no_starvation_tests!(context_done_deadline, {
    let (ctx, _cancel) = goro::context::Context::background().with_timeout(Duration::ZERO);
    move || {
        let ctx = ctx.clone();
        async move { ctx.done().await }
    }
});

// sync.
no_starvation_tests!(waitgroup_wait_at_zero, {
    let wg = goro::sync::WaitGroup::new();
    move || {
        let wg = wg.clone();
        async move { wg.wait().await }
    }
});
no_starvation_tests!(once_done, {
    let once = Arc::new(goro::sync::Once::new());
    move || {
        let once = once.clone();
        async move { once.call_once(|| async {}).await }
    }
});
no_starvation_tests!(once_cell_set, {
    let cell = Arc::new(goro::sync::OnceCell::new());
    move || {
        let cell = cell.clone();
        async move {
            assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
        }
    }
});
no_starvation_tests!(mutex_uncontended, {
    let m = Arc::new(goro::sync::Mutex::new(0u64));
    move || {
        let m = m.clone();
        async move {
            *m.lock().await += 1;
        }
    }
});
no_starvation_tests!(rwmutex_read, {
    let m = Arc::new(goro::sync::RwMutex::new(0u64));
    move || {
        let m = m.clone();
        async move {
            drop(m.read().await);
        }
    }
});
no_starvation_tests!(rwmutex_write, {
    let m = Arc::new(goro::sync::RwMutex::new(0u64));
    move || {
        let m = m.clone();
        async move {
            *m.write().await += 1;
        }
    }
});
no_starvation_tests!(semaphore_acquire, {
    let sem = Arc::new(goro::sync::Semaphore::new(2));
    move || {
        let sem = sem.clone();
        async move {
            drop(sem.acquire(1).await);
        }
    }
});

// runtime and channels.
no_starvation_tests!(yield_now, goro::yield_now);
no_starvation_tests!(chan_send_recv_ready, || async {
    let (tx, rx) = goro::chan::<u8>(1);
    tx.send(1).await.unwrap();
    assert_eq!(rx.recv().await, Some(1));
});
no_starvation_tests!(select_default, || async {
    let (_tx, rx) = goro::chan::<u8>(1);
    let (_tx2, rx2) = goro::chan::<u8>(1);
    goro::select! {
        _ = rx.recv() => unreachable!(),
        _ = rx2.recv() => unreachable!(),
        default => {},
    }
});
no_starvation_tests!(select_ready_future, || async {
    goro::select! {
        _ = std::future::ready(()) => {},
        default => unreachable!(),
    }
});
