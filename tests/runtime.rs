//! The runtime: spawning, joining, cancellation, panics, shutdown, unblock, yield.
mod common;

use common::{run_within, within};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

#[test]
fn spawn_and_join_100k() {
    let n = run_within(60, async {
        let hs: Vec<_> = (0..100_000u64)
            .map(|i| goro::go(async move { i }))
            .collect();
        let mut sum = 0;
        for h in hs {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(n, (0..100_000u64).sum::<u64>());
}

#[test]
fn nested_spawns_ten_deep() {
    fn nest(depth: u32) -> goro::JoinHandle<u32> {
        goro::go(async move {
            if depth == 0 {
                0
            } else {
                nest(depth - 1).await.unwrap() + 1
            }
        })
    }
    assert_eq!(run_within(10, async { nest(10).await.unwrap() }), 10);
}

#[test]
fn go_outside_any_runtime_uses_global() {
    within(10, || {
        let h = goro::go(async { goro::go(async { 40 }).await.unwrap() + 2 });
        assert_eq!(futures_lite::future::block_on(h).unwrap(), 42);
        // And from a plain thread, awaited by blocking.
        let (tx, rx) = std::sync::mpsc::channel();
        goro::go(async move { tx.send(7).unwrap() });
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), 7);
    });
}

struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn run_drops_leftover_goroutines() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    within(10, move || {
        goro::run(async move {
            let started = Arc::new(AtomicUsize::new(0));
            for i in 0..100 {
                let guard = DropCounter(d.clone());
                let started = started.clone();
                goro::go(async move {
                    let _g = guard;
                    started.fetch_add(1, SeqCst);
                    if i % 2 == 0 {
                        std::future::pending::<()>().await; // parked forever
                    } else {
                        loop {
                            goro::yield_now().await; // runnable forever
                        }
                    }
                });
            }
            while started.load(SeqCst) < 100 {
                goro::yield_now().await; // until every goroutine has started
            }
        })
    });
    assert_eq!(
        dropped.load(SeqCst),
        100,
        "every leftover goroutine was dropped"
    );
}

#[test]
fn panicking_goroutine_gives_panicked_and_others_finish() {
    let (err, ok) = run_within(10, async {
        let bad = goro::go(async { panic!("boom in goroutine") });
        let good: Vec<_> = (0..10).map(|i| goro::go(async move { i })).collect();
        let err = bad.await.unwrap_err();
        let mut ok = 0;
        for g in good {
            ok += g.await.unwrap();
        }
        (err, ok)
    });
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("boom in goroutine"));
    assert_eq!(ok, 45);
}

#[test]
fn cancel_parked_running_and_finished() {
    run_within(10, async {
        // Parked: dropped at once, its destructor runs.
        let dropped = Arc::new(AtomicUsize::new(0));
        let g = DropCounter(dropped.clone());
        let h = goro::go(async move {
            let _g = g;
            std::future::pending::<()>().await
        });
        goro::yield_now().await;
        h.cancel();
        assert!(h.await.unwrap_err().is_cancelled());
        assert_eq!(dropped.load(SeqCst), 1);

        // Busy (yielding): stops at its next suspension point.
        let h = goro::go(async {
            loop {
                goro::yield_now().await;
            }
        });
        h.cancel();
        assert!(h.await.unwrap_err().is_cancelled());

        // Finished before cancel: keeps its result.
        let h = goro::go(async { 5 });
        while !h.is_finished() {
            goro::yield_now().await;
        }
        h.cancel();
        assert_eq!(h.await.unwrap(), 5);
    });
}

#[test]
fn dropping_handle_detaches() {
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    run_within(10, async move {
        let (tx, rx) = std::sync::mpsc::channel();
        drop(goro::go(async move {
            goro::yield_now().await;
            r.store(true, SeqCst);
            tx.send(()).unwrap();
        }));
        goro::unblock(move || rx.recv_timeout(Duration::from_secs(5)).unwrap()).await;
    });
    assert!(ran.load(SeqCst));
}

#[test]
fn ids_are_unique_and_nonzero() {
    run_within(10, async {
        let hs: Vec<_> = (0..1000).map(|_| goro::go(async {})).collect();
        let mut ids: Vec<u64> = hs.iter().map(|h| h.id()).collect();
        assert!(ids.iter().all(|&i| i != 0));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 1000);
    });
}

#[test]
fn num_goroutines_before_and_after() {
    run_within(10, async {
        let before = goro::num_goroutines();
        assert_eq!(before, 1, "only main");
        let started = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(AtomicBool::new(false));
        let hs: Vec<_> = (0..50)
            .map(|_| {
                let (started, gate) = (started.clone(), gate.clone());
                goro::go(async move {
                    started.fetch_add(1, SeqCst);
                    while !gate.load(SeqCst) {
                        goro::yield_now().await;
                    }
                })
            })
            .collect();
        while started.load(SeqCst) < 50 {
            goro::yield_now().await;
        }
        assert_eq!(goro::num_goroutines(), before + 50);
        gate.store(true, SeqCst);
        for h in hs {
            h.await.unwrap();
        }
        assert_eq!(goro::num_goroutines(), before);
    });
}

#[test]
fn unblock_does_not_stall_one_worker() {
    within(10, || {
        goro::Runtime::builder().workers(1).build().block_on(async {
            let progressed = Arc::new(AtomicUsize::new(0));
            let p = progressed.clone();
            // The blocking job waits until the other goroutine has made all its
            // steps: if the job stalled the only worker, it would wait forever (and
            // `within` fail), however slow or loaded the machine.
            let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
            let sleeper = goro::go(async move {
                let ok = goro::unblock(move || done_rx.recv_timeout(Duration::from_secs(8))).await;
                (ok.is_ok(), p.load(SeqCst))
            });
            let p = progressed.clone();
            let other = goro::go(async move {
                for _ in 0..100 {
                    p.fetch_add(1, SeqCst);
                    goro::yield_now().await;
                }
                done_tx.send(()).unwrap();
            });
            other.await.unwrap();
            // The other goroutine finished all its steps while the job blocked.
            assert_eq!(sleeper.await.unwrap(), (true, 100));
        })
    });
}

#[test]
fn unblock_propagates_panics() {
    let r = within(10, || {
        goro::run(async {
            goro::go(async { goro::unblock(|| -> u32 { panic!("job failed") }).await }).await
        })
    });
    assert_eq!(r.unwrap_err().panic_message(), Some("job failed"));
}

#[test]
fn yield_now_lets_another_goroutine_run_on_one_worker() {
    within(10, || {
        goro::Runtime::builder().workers(1).build().block_on(async {
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            let h = goro::go(async move {
                while !f.load(SeqCst) {
                    goro::yield_now().await;
                }
            });
            let f = flag.clone();
            goro::go(async move { f.store(true, SeqCst) });
            h.await.unwrap();
        })
    });
}

#[test]
fn builder_settings() {
    within(10, || {
        let rt = goro::Runtime::builder()
            .workers(3)
            .thread_name("custom")
            .build();
        assert_eq!(rt.workers(), 3);
        let names = rt.block_on(async {
            let hs: Vec<_> = (0..64)
                .map(|_| {
                    goro::go(async {
                        goro::yield_now().await;
                        std::thread::current().name().map(str::to_owned)
                    })
                })
                .collect();
            let mut names = Vec::new();
            for h in hs {
                names.push(h.await.unwrap());
            }
            names
        });
        for n in names.into_iter().flatten() {
            assert!(
                n.starts_with("custom-") || n == "main" || n.contains("runtime"),
                "{n}"
            );
        }
        // Tasks spawned from outside block_on run on the runtime's threads.
        let h = rt.go(async { 9 });
        assert_eq!(rt.block_on(h).unwrap(), 9);
    });
}

#[test]
#[should_panic(expected = "at least one worker")]
fn zero_workers_is_rejected() {
    let _ = goro::Runtime::builder().workers(0);
}

#[test]
fn gomaxprocs_env_sets_workers() {
    // Only this test reads GOMAXPROCS in this binary's tests (others use builders
    // or do not depend on the count).
    within(10, || {
        // SAFETY: other threads of this binary read the environment only through
        // std (goro's own GOMAXPROCS read), which takes the same lock as `set_var`
        // and `remove_var`; nothing here reads it from C (no DNS, no locale).
        unsafe { std::env::set_var("GOMAXPROCS", "3") };
        let rt = goro::Runtime::new();
        // SAFETY: as above.
        unsafe { std::env::remove_var("GOMAXPROCS") };
        assert_eq!(rt.workers(), 3);
    });
}

#[test]
fn run_inside_goroutine_panics_clearly() {
    let r = run_within(10, async { goro::go(async { goro::run(async {}) }).await });
    let e = r.unwrap_err();
    assert!(e.panic_message().unwrap().contains("inside a goroutine"));
}

#[test]
fn main_future_need_not_be_send_or_static() {
    let local = std::rc::Rc::new(5);
    let borrowed = &local;
    let v = within(10, || 1) + goro::run(async { **borrowed + 1 });
    assert_eq!(v, 7);
}

#[test]
fn sleep_never_early() {
    run_within(10, async {
        for ms in [0u64, 1, 2, 5, 13] {
            let d = Duration::from_millis(ms);
            let t = std::time::Instant::now();
            goro::time::sleep(d).await;
            assert!(t.elapsed() >= d);
        }
        let hs: Vec<_> = (0..200u64)
            .map(|i| {
                goro::go(async move {
                    let d = Duration::from_millis(i % 20);
                    let t = std::time::Instant::now();
                    goro::time::sleep(d).await;
                    t.elapsed() >= d
                })
            })
            .collect();
        for h in hs {
            assert!(h.await.unwrap());
        }
    });
}

#[test]
fn sleep_works_under_a_foreign_executor() {
    within(10, || {
        futures_lite::future::block_on(goro::time::sleep(Duration::from_millis(3)));
    });
}

#[test]
fn dropped_sleeps_leave_no_timers() {
    run_within(20, async {
        let sleeps: Vec<_> = (0..10_000u64)
            .map(|i| Box::pin(goro::time::sleep(Duration::from_secs(100 + i))))
            .collect();
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut sleeps = sleeps;
        for s in &mut sleeps {
            assert!(s.as_mut().poll(&mut cx).is_pending());
        }
        assert!(goro::time::armed_timers() >= 10_000);
        drop(sleeps);
        // Other tests in this binary may arm short timers concurrently.
        assert!(goro::time::armed_timers() < 10_000);
    });
}

/// Lost wake-up hunt on the real scheduler: work arriving from outside while every
/// worker is going to sleep must always run (each round is bounded by a timeout).
#[test]
fn no_lost_wakeup_under_churn() {
    within(60, || {
        let rt = Arc::new(goro::Runtime::builder().workers(4).build());
        for round in 0..3000u32 {
            let (tx, rx) = std::sync::mpsc::channel();
            // Spawned from a foreign thread: goes through the injector and notify.
            let h = rt.go(async move {
                // A chain of wakes across goroutines.
                let inner = goro::go(async move { round * 2 });
                tx.send(inner.await.unwrap()).unwrap();
            });
            assert_eq!(
                rx.recv_timeout(Duration::from_secs(5))
                    .expect("lost wake-up"),
                round * 2
            );
            drop(h);
        }
    });
}

/// Wakes from plain threads while goroutines park and unpark: every one is seen.
#[test]
fn foreign_wakes_all_delivered() {
    within(60, || {
        goro::run(async {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    let (tx, rx) = std::sync::mpsc::channel::<u32>();
                    let th = std::thread::spawn(move || {
                        for i in 0..500 {
                            tx.send(i).unwrap();
                        }
                    });
                    let g = goro::go(async move {
                        let mut got = 0;
                        while got < 500 {
                            match rx.try_recv() {
                                Ok(_) => got += 1,
                                Err(_) => goro::yield_now().await,
                            }
                        }
                        got
                    });
                    (th, g)
                })
                .collect();
            for (th, g) in hs {
                assert_eq!(g.await.unwrap(), 500);
                th.join().unwrap();
            }
        })
    });
}

/// `panic_abort`: a panicking goroutine takes the whole process down, as in Go. Run
/// in a child process (this test binary itself, filtered to the helper below).
#[test]
fn panic_abort_crashes_the_process() {
    within(60, || {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "panic_abort_child", "--nocapture", "--ignored"])
            .env("GORO_PANIC_ABORT_CHILD", "1")
            .output()
            .unwrap();
        assert!(!out.status.success(), "the child must not exit normally");
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                out.status.signal(),
                Some(6),
                "SIGABRT expected: {:?}",
                out.status
            );
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("fatal error: goroutine"), "{err}");
        assert!(err.contains("boom under panic_abort"), "{err}");
    });
}

#[test]
#[ignore = "helper of panic_abort_crashes_the_process (run in a child process)"]
fn panic_abort_child() {
    if std::env::var("GORO_PANIC_ABORT_CHILD").is_err() {
        return;
    }
    goro::Runtime::builder()
        .panic_abort()
        .build()
        .block_on(async {
            let _ = goro::go(async { panic!("boom under panic_abort") }).await;
            unreachable!("the process should have aborted");
        });
}
