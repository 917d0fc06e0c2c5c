//! goro::time: sleep, after, Timer, Ticker, timeout, and the timer core's promises.
mod common;

use common::{run_within, within};
use goro::time::{Elapsed, Ticker, Timer, after, sleep, sleep_until, tick, timeout};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

#[test]
fn sleep_never_returns_before_its_deadline() {
    run_within(20, async {
        let hs: Vec<_> = (0..500u64)
            .map(|i| {
                goro::go(async move {
                    let d = Duration::from_micros(i * 37 % 7000);
                    let t = Instant::now();
                    sleep(d).await;
                    let e = t.elapsed();
                    assert!(e >= d, "slept {e:?} < {d:?}");
                    let deadline = Instant::now() + Duration::from_micros(i * 13 % 3000);
                    sleep_until(deadline).await;
                    assert!(Instant::now() >= deadline);
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
}

#[test]
fn after_fires_once_then_blocks() {
    run_within(10, async {
        let t0 = Instant::now();
        let rx = after(Duration::from_millis(3));
        let at = rx.recv().await.expect("after delivers an instant");
        assert!(at >= t0 + Duration::from_millis(3));
        // Exactly one value: a second receive waits (the channel never closes).
        let second = timeout(Duration::from_millis(20), rx.recv()).await;
        assert_eq!(second, Err(Elapsed::new()));
        assert!(!rx.is_closed());
    });
}

#[test]
fn after_as_select_timeout_branch() {
    run_within(10, async {
        let (tx, rx) = goro::chan::<u32>(1);
        let r = goro::select! {
            v = rx.recv() => v,
            _ = after(Duration::from_millis(2)) => None,
        };
        assert_eq!(r, None);
        tx.send(5).await.unwrap();
        let r = goro::select! {
            v = rx.recv() => v,
            _ = after(Duration::from_secs(60)) => None,
        };
        assert_eq!(r, Some(5));
    });
}

#[test]
fn timer_stop_and_reset_return_values_match_go() {
    run_within(10, async {
        // Stop before firing: true; again: false.
        let t = Timer::new(Duration::from_secs(60));
        assert!(t.stop());
        assert!(!t.stop());
        // Reset of a stopped timer: false; it then fires.
        assert!(!t.reset(Duration::from_millis(1)));
        t.recv().await.unwrap();
        // After firing: stop is false, reset is false.
        assert!(!t.stop());
        assert!(!t.reset(Duration::from_secs(60)));
        // Reset of an active timer: true.
        assert!(t.reset(Duration::from_millis(1)));
        t.recv().await.unwrap();
    });
}

#[test]
fn timer_stop_discards_a_stale_value() {
    run_within(10, async {
        let t = Timer::new(Duration::from_millis(1));
        // Let it fire without receiving.
        sleep(Duration::from_millis(5)).await;
        assert_eq!(t.len(), 1, "the fired value waits in the channel");
        // Go 1.23: a value nobody received counts as not yet delivered, so stop
        // reports that it stopped the timer (and discards the value).
        assert!(t.stop(), "fired but unreceived: stop stops it");
        assert!(t.try_recv().is_err(), "no stale value after stop (Go 1.23)");
        // Reset after a fire, then the new value arrives, not an old one.
        let before = Instant::now();
        t.reset(Duration::from_millis(2));
        assert!(t.recv().await.unwrap() >= before + Duration::from_millis(2));
    });
}

#[test]
fn ticker_ticks_drops_for_slow_reader_and_stops() {
    run_within(10, async {
        let period = Duration::from_millis(2);
        // t0 before the ticker: a worker may fire the first tick before a later
        // read of the clock on a loaded machine.
        let t0 = Instant::now();
        let tk = tick(period);
        let a = tk.recv().await.unwrap();
        let b = tk.recv().await.unwrap();
        assert!(a >= t0 + period && b > a);
        // A slow reader: many periods pass, but at most one tick is buffered.
        sleep(period * 10).await;
        assert!(tk.len() <= 1);
        tk.stop();
        assert!(tk.try_recv().is_err(), "no tick after stop");
        let r = timeout(period * 5, tk.recv()).await;
        assert!(r.is_err(), "a stopped ticker delivers nothing");
        tk.reset(Duration::from_millis(1));
        assert!(tk.recv().await.is_some());
    });
}

#[test]
#[should_panic(expected = "non-positive interval")]
fn ticker_zero_period_panics() {
    let _ = Ticker::new(Duration::ZERO);
}

#[test]
fn timeout_passes_ready_results_and_elapses() {
    run_within(10, async {
        assert_eq!(timeout(Duration::from_millis(50), async { 3 }).await, Ok(3));
        let r = timeout(Duration::from_millis(2), std::future::pending::<()>()).await;
        assert_eq!(r, Err(Elapsed::new()));
        // A result that arrives before the deadline passes through.
        let (tx, rx) = goro::chan::<u8>(0);
        goro::go(async move {
            sleep(Duration::from_millis(1)).await;
            tx.send(9).await.unwrap();
        });
        assert_eq!(
            timeout(Duration::from_secs(10), rx.recv()).await,
            Ok(Some(9))
        );
    });
}

#[test]
fn timers_fire_under_a_foreign_executor() {
    within(10, || {
        futures_lite::future::block_on(async {
            let rx = after(Duration::from_millis(2));
            rx.recv().await.unwrap();
            let t = Timer::new(Duration::from_millis(1));
            t.recv().await.unwrap();
        });
    });
}

#[test]
fn many_timers_fire_all() {
    let fired = Arc::new(AtomicUsize::new(0));
    let f = fired.clone();
    run_within(20, async move {
        let wg = goro::sync::WaitGroup::new();
        for i in 0..20_000u64 {
            let f = f.clone();
            wg.go(async move {
                sleep(Duration::from_millis(i % 50)).await;
                f.fetch_add(1, SeqCst);
            });
        }
        wg.wait().await;
    });
    assert_eq!(fired.load(SeqCst), 20_000);
}

/// Timers armed at once from every worker (a worker arms in its own wheel) and from
/// plain threads (which share one), with timeouts cancelled among them (a cancel
/// leaves the driver's earliest deadline stale-low), each fire, none early.
#[test]
fn timers_from_every_worker_and_thread_fire_on_time() {
    fn arm(f: &Arc<AtomicUsize>, seed: u64) -> impl std::future::Future<Output = ()> + use<> {
        let f = f.clone();
        async move {
            for i in 0..150u64 {
                let d = Duration::from_micros((i * 37 + seed * 11) % 3000);
                assert_eq!(timeout(Duration::from_secs(30), async { 1 }).await, Ok(1));
                let start = Instant::now();
                sleep(d).await;
                assert!(start.elapsed() >= d, "woke early");
                f.fetch_add(1, SeqCst);
            }
        }
    }
    let fired = Arc::new(AtomicUsize::new(0));
    let f = fired.clone();
    within(60, move || {
        let threads: Vec<_> = (0..3)
            .map(|t| {
                let f = f.clone();
                std::thread::spawn(move || futures_lite::future::block_on(arm(&f, 100 + t)))
            })
            .collect();
        goro::run(async move {
            let wg = goro::sync::WaitGroup::new();
            for g in 0..16 {
                wg.go(arm(&f, g));
            }
            wg.wait().await;
        });
        for t in threads {
            t.join().unwrap();
        }
    });
    assert_eq!(fired.load(SeqCst), 19 * 150);
}

/// `Timer` and `Ticker` have no `Deref` to their channel (0.1.0): their receive
/// operations are methods of their own, and `c()` (Go's `t.C`) is the channel. Both
/// forms work as `select!` branches and in a dynamic `Select`.
#[test]
fn timer_and_ticker_without_deref_in_select() {
    run_within(10, async {
        let (_tx, never) = goro::chan::<()>(0);
        let t = Timer::new(Duration::from_millis(1));
        let fired = goro::select! {
            _ = never.recv() => None,
            at = t.recv() => at,
        };
        assert!(fired.is_some());
        t.reset(Duration::from_millis(1));
        let fired = goro::select! {
            _ = never.recv() => None,
            at = t.c().recv() => at,
        };
        assert!(fired.is_some());

        let tk = tick(Duration::from_millis(1));
        for _ in 0..2 {
            let ticked = goro::select! {
                _ = never.recv() => false,
                at = tk.recv() => at.is_some(),
            };
            assert!(ticked);
        }
        let mut sel = goro::Select::new();
        let i = sel.recv(tk.c());
        let got = sel.select().await;
        assert_eq!(got.index(), i);
        tk.stop();
        assert!(tk.try_recv().is_err() && tk.c().try_recv().is_err());
        assert_eq!((tk.len(), tk.c().cap()), (0, 1));
    });
}
