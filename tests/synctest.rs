//! Virtual time (`goro::test::synctest`, `goro::test::wait`): the properties Go's
//! own synctest tests check (src/testing/synctest, src/internal/synctest), on goro.
//!
//! Every test runs under a watchdog (`within`): a bug in the clock is a failure,
//! not a hung CI run. Real-time bounds are lower bounds only.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant, SystemTime};

use common::within;
use goro::test::{synctest, wait};
use goro::time::{now, sleep, system_now};

const SECS: u64 = 60;

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs `f` (which calls `synctest`) expecting a panic; returns its message.
fn panics(f: impl FnOnce() + Send + 'static) -> String {
    within(SECS, move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        panic_text(r.expect_err("expected a panic").as_ref())
    })
}

#[test]
fn clock_starts_at_y2k_and_moves_only_by_sleeping() {
    let real = Instant::now();
    within(SECS, || {
        synctest(async {
            let y2k = SystemTime::UNIX_EPOCH + Duration::from_secs(946_684_800);
            assert_eq!(system_now(), y2k);
            let t0 = now();
            goro::yield_now().await;
            assert_eq!(now(), t0, "time does not move while goroutines run");
            sleep(Duration::from_secs(3600)).await;
            assert_eq!(now() - t0, Duration::from_secs(3600));
            assert_eq!(system_now(), y2k + Duration::from_secs(3600));
        })
    });
    // An hour of virtual time took no hour of real time.
    assert!(real.elapsed() < Duration::from_secs(3600));
}

#[test]
fn output_comes_back_and_real_clocks_are_untouched_outside() {
    let v = within(SECS, || synctest(async { 6 * 7 }));
    assert_eq!(v, 42);
    let before = Instant::now();
    assert!(now() >= before, "outside a bubble now() is the real clock");
    assert!(system_now() > SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_836_800));
    // 2020
}

#[test]
fn time_holds_still_while_any_goroutine_runs() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let spinner = goro::go(async move {
                for _ in 0..1000 {
                    assert_eq!(now(), t0);
                    goro::yield_now().await;
                }
            });
            sleep(Duration::from_millis(1)).await;
            // The sleep could only end once the spinner was done (it never blocked).
            assert!(spinner.is_finished());
            assert_eq!(now() - t0, Duration::from_millis(1));
        })
    });
}

#[test]
fn sleepers_wake_in_deadline_order_at_their_exact_instants() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let (tx, rx) = goro::chan(0);
            for s in [3u64, 1, 2, 5, 4] {
                let tx = tx.clone();
                goro::go(async move {
                    sleep(Duration::from_secs(s)).await;
                    tx.send((s, now())).await.unwrap();
                });
            }
            drop(tx);
            let mut got = Vec::new();
            while let Some((s, at)) = rx.recv().await {
                assert_eq!(at - t0, Duration::from_secs(s));
                got.push(s);
            }
            assert_eq!(got, [1, 2, 3, 4, 5]);
        })
    });
}

#[test]
fn timers_due_at_one_instant_fire_together() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let wg = goro::sync::WaitGroup::new();
            let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
            for _ in 0..50 {
                let seen = seen.clone();
                wg.go(async move {
                    sleep(Duration::from_secs(7)).await;
                    seen.lock().unwrap().push(now());
                });
            }
            wg.wait().await;
            let seen = seen.lock().unwrap();
            assert_eq!(seen.len(), 50);
            assert!(seen.iter().all(|t| *t - t0 == Duration::from_secs(7)));
        })
    });
}

#[test]
fn wait_returns_once_the_others_are_durably_blocked_and_keeps_the_clock() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let step = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = goro::chan::<()>(0);
            let s = step.clone();
            goro::go(async move {
                s.store(1, SeqCst);
                rx.recv().await; // durably blocked here
                s.store(2, SeqCst);
                sleep(Duration::from_secs(1)).await;
                s.store(3, SeqCst);
            });
            wait().await;
            assert_eq!(step.load(SeqCst), 1);
            tx.send(()).await.unwrap();
            wait().await;
            assert_eq!(
                step.load(SeqCst),
                2,
                "asleep for 1 s: wait does not advance time"
            );
            assert_eq!(now(), t0);
            sleep(Duration::from_secs(1)).await;
            wait().await;
            assert_eq!(step.load(SeqCst), 3);
        })
    });
}

#[test]
fn wait_fires_timers_already_due() {
    within(SECS, || {
        synctest(async {
            let t = goro::time::Timer::new(Duration::ZERO);
            wait().await;
            assert!(
                t.c().try_recv().is_ok(),
                "a due timer fired before wait returned"
            );
        })
    });
}

#[test]
fn wait_outside_a_bubble_panics() {
    let msg = panics(|| goro::run(async { wait().await }));
    assert!(msg.contains("outside a synctest bubble"), "{msg}");
}

#[test]
fn a_bubble_channel_used_from_outside_panics() {
    let (tx, rx) = within(SECS, || synctest(async { goro::chan::<u8>(1) }));
    let tx2 = tx.clone();
    let msg = panics(move || {
        let _ = tx2.try_send(1);
    });
    assert!(msg.contains("synctest bubble"), "{msg}");
    let msg = panics(move || {
        goro::run(async move {
            let _ = rx.recv().await;
        })
    });
    assert!(msg.contains("synctest bubble"), "{msg}");
    let _ = tx; // dropping is not a use
}

#[test]
fn a_channel_made_outside_keeps_the_clock_still() {
    let (tx, rx) = goro::chan::<()>(0);
    let real = Instant::now();
    let feeder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tx.send_blocking(()).unwrap();
    });
    within(SECS, move || {
        synctest(async move {
            let t0 = now();
            let h = goro::go(async move { rx.recv().await });
            // Not durable: the hour cannot pass until the outside send came.
            sleep(Duration::from_secs(3600)).await;
            assert!(h.is_finished());
            assert_eq!(now() - t0, Duration::from_secs(3600));
        })
    });
    assert!(real.elapsed() >= Duration::from_millis(50));
    feeder.join().unwrap();
}

#[test]
fn unblock_is_not_durable() {
    let real = Instant::now();
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let job = goro::go(goro::unblock(|| {
                std::thread::sleep(Duration::from_millis(30))
            }));
            sleep(Duration::from_secs(1)).await;
            assert!(job.is_finished(), "the clock waited for the blocking job");
            assert_eq!(now() - t0, Duration::from_secs(1));
        })
    });
    assert!(real.elapsed() >= Duration::from_millis(30));
}

#[test]
fn deadlock_in_main_fails_with_the_bubble_dump() {
    let msg = panics(|| {
        synctest(async {
            let (_tx, rx) = goro::chan::<()>(0);
            goro::runtime::go_named("stuck child", async { std::future::pending::<()>().await });
            rx.recv().await;
        })
    });
    assert!(msg.contains("deadlock"), "{msg}");
    assert!(
        msg.contains("stuck child"),
        "the dump names the goroutines: {msg}"
    );
}

#[test]
fn deadlock_through_join_handles() {
    let msg = panics(|| {
        synctest(async {
            let (tx, rx) = goro::chan::<()>(0);
            let child = goro::go(async move { rx.recv().await });
            child.await.unwrap();
            drop(tx);
        })
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

#[test]
fn blocked_goroutines_left_when_main_returns_are_reported() {
    let msg = panics(|| {
        synctest(async {
            let (tx, rx) = goro::chan::<()>(0);
            goro::go(async move { rx.recv().await });
            std::mem::forget(tx);
        })
    });
    assert!(
        msg.contains("deadlock: main bubble goroutine has exited but blocked goroutines remain"),
        "{msg}"
    );
}

#[test]
fn synctest_returns_after_every_goroutine_exited() {
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    within(SECS, move || {
        synctest(async move {
            let (tx, rx) = goro::chan::<()>(0);
            goro::go(async move {
                rx.recv().await;
                goro::go(async move {
                    // A grandchild, still running when main has returned.
                    for _ in 0..100 {
                        goro::yield_now().await;
                    }
                    d.store(true, SeqCst);
                });
            });
            sleep(Duration::from_secs(10)).await;
            tx.send(()).await.unwrap();
        })
    });
    assert!(
        done.load(SeqCst),
        "synctest returned before its goroutines exited"
    );
}

#[test]
fn time_stops_once_main_has_returned() {
    let msg = panics(|| {
        synctest(async {
            goro::go(async { sleep(Duration::from_secs(1)).await });
        })
    });
    assert!(msg.contains("main bubble goroutine has exited"), "{msg}");
}

#[test]
fn main_panic_comes_out_with_its_message() {
    let msg = panics(|| synctest(async { panic!("boom in the bubble") }));
    assert_eq!(msg, "boom in the bubble");
}

#[test]
fn ticker_ticks_on_virtual_seconds() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let ticker = goro::time::tick(Duration::from_secs(1));
            for i in 1..=5u32 {
                let at = ticker.recv().await.unwrap();
                assert_eq!(at - t0, Duration::from_secs(i as u64));
                assert_eq!(now(), at);
            }
        })
    });
}

#[test]
fn timer_stop_and_reset_follow_the_virtual_clock() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let t = goro::time::Timer::new(Duration::from_secs(10));
            sleep(Duration::from_secs(5)).await;
            assert!(t.stop(), "stopped before it fired");
            assert!(!t.reset(Duration::from_secs(2)));
            let at = t.recv().await.unwrap();
            assert_eq!(at - t0, Duration::from_secs(7));
        })
    });
}

#[test]
fn timeout_and_select_timeouts_are_exact() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let (_tx, rx) = goro::chan::<()>(0);
            let r = goro::time::timeout(Duration::from_secs(30), rx.recv()).await;
            assert!(r.is_err());
            assert_eq!(now() - t0, Duration::from_secs(30));
            let timed_out = goro::select! {
                _ = rx.recv() => false,
                _ = goro::time::after(Duration::from_millis(250)) => true,
            };
            assert!(timed_out);
            assert_eq!(now() - t0, Duration::from_millis(30_250));
        })
    });
}

#[test]
fn context_deadlines_follow_the_bubble_clock() {
    use goro::context::{Context, ContextError};
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let (ctx, _cancel) = Context::background().with_timeout(Duration::from_secs(90));
            assert_eq!(ctx.deadline(), Some(t0 + Duration::from_secs(90)));
            ctx.done().await;
            assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
            assert_eq!(now() - t0, Duration::from_secs(90));
        })
    });
}

#[test]
fn wait_groups_and_err_groups_are_durable() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let wg = goro::sync::WaitGroup::new();
            for s in 1..=3u64 {
                wg.go(async move { sleep(Duration::from_secs(s)).await });
            }
            wg.wait().await;
            assert_eq!(now() - t0, Duration::from_secs(3));
            let g = goro::sync::ErrGroup::<String>::new();
            g.go(async {
                sleep(Duration::from_secs(1)).await;
                Err("late".to_string())
            });
            assert_eq!(g.wait().await, Err("late".to_string()));
            assert_eq!(now() - t0, Duration::from_secs(4));
        })
    });
}

#[test]
fn cancelled_goroutines_leave_the_bubble() {
    within(SECS, || {
        synctest(async {
            let h = goro::go(async { sleep(Duration::from_secs(1_000_000)).await });
            wait().await;
            h.cancel();
            assert!(h.await.unwrap_err().is_cancelled());
            assert_eq!(goro::time::armed_timers(), 0, "its timer went with it");
        })
    });
}

#[test]
fn parallel_bubbles_have_their_own_clocks() {
    within(SECS, || {
        let long = std::thread::spawn(|| {
            synctest(async {
                let t0 = now();
                for _ in 0..100 {
                    sleep(Duration::from_secs(3600)).await;
                }
                now() - t0
            })
        });
        let short = synctest(async {
            let t0 = now();
            for _ in 0..100 {
                sleep(Duration::from_millis(1)).await;
            }
            now() - t0
        });
        assert_eq!(short, Duration::from_millis(100));
        assert_eq!(long.join().unwrap(), Duration::from_secs(360_000));
    });
}

#[test]
fn many_goroutines_many_timers() {
    within(SECS, || {
        synctest(async {
            let t0 = now();
            let wg = goro::sync::WaitGroup::new();
            for i in 0..1000u64 {
                wg.go(async move {
                    for k in 0..5u64 {
                        let d = Duration::from_millis((i * 7919 + k * 104_729) % 10_000);
                        let before = now();
                        sleep(d).await;
                        assert_eq!(now() - before, d);
                    }
                });
            }
            wg.wait().await;
            assert!(now() - t0 <= Duration::from_secs(50));
        })
    });
}

#[test]
fn synctest_inside_a_goroutine_panics() {
    let msg = panics(|| {
        goro::run(async {
            goro::go(async { synctest(async {}) })
                .await
                .map_err(|e| e.to_string())
        })
        .map_err(|e| panic!("{e}"))
        .unwrap();
    });
    assert!(msg.contains("inside a goroutine"), "{msg}");
}
