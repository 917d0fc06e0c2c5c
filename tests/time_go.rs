//! goro::time against the habits of Go's own `time` tests (sleep_test.go,
//! tick_test.go): Stop/Reset semantics of Go 1.23, timers racing their own fire,
//! simultaneous and extreme deadlines, ticker spacing, `timeout` at the deadline,
//! sleeps inside `select!`, and timers used from plain threads.
//!
//! Lower bounds on waits are strict (a timer never fires early); upper bounds are
//! left to the `within` watchdogs, loose enough for a loaded 2-core machine.
mod common;

use common::{run_within, within};
use goro::time::{Elapsed, Ticker, Timer, after, sleep, sleep_until, tick, timeout};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// Yields until `cond` holds (a bounded wait on a condition, not a guessed sleep;
/// the test's watchdog bounds it).
async fn until(mut cond: impl FnMut() -> bool) {
    while !cond() {
        goro::yield_now().await;
    }
}

/// Spins the calling thread until `t`.
fn spin_until(t: Instant) {
    while Instant::now() < t {
        std::hint::spin_loop();
    }
}

/// Go's testReset, and Go 1.23's rule that a fired but unreceived value counts as
/// not delivered: `reset` discards it, reports the timer as pending, and only the
/// new deadline's value can be received.
#[test]
fn reset_of_a_fired_but_unread_timer() {
    run_within(10, async {
        let t = Timer::new(Duration::from_millis(1));
        until(|| t.len() == 1).await; // fired; nobody received
        let before = Instant::now();
        assert!(
            t.reset(Duration::from_millis(3)),
            "unreceived value: pending"
        );
        assert!(t.try_recv().is_err(), "the stale value was discarded");
        let v = t.recv().await.unwrap();
        assert!(
            v >= before + Duration::from_millis(3),
            "a value from the old deadline"
        );
        // Received: now reset reports an expired timer, and stop a stopped one.
        assert!(!t.reset(Duration::from_secs(3600)));
        assert!(t.stop());
        assert!(!t.stop());
        // Reset of an unfired timer to an earlier deadline (Go's
        // TestTimerModifiedEarlier): it fires at the new one.
        let t = Timer::new(Duration::from_secs(3600));
        let before = Instant::now();
        assert!(t.reset(Duration::from_millis(2)));
        assert!(t.recv().await.unwrap() >= before + Duration::from_millis(2));
    });
}

/// The pre-1.23 idiom `if !t.Stop() { <-t.C }` must never block: `stop` returns
/// false only when the value was already received.
#[test]
fn stop_then_drain_idiom_never_blocks() {
    run_within(10, async {
        for i in 0..50u64 {
            let t = Timer::new(Duration::from_micros(i * 40));
            if i % 2 == 0 {
                until(|| t.len() == 1).await;
            }
            // Nobody received, so stop must say it stopped the timer: were it to
            // return false, the idiom's receive would block forever.
            assert!(t.stop(), "stop of an unreceived timer returned false");
            assert!(t.try_recv().is_err());
        }
    });
}

/// Stopping a timer from another goroutine while goroutines wait on its channel:
/// the waiters never receive (Go's TestAfterStop, with the waiters parked).
#[test]
fn stop_while_another_goroutine_waits() {
    run_within(10, async {
        let deadline = Duration::from_millis(100);
        let timers: Vec<Arc<Timer>> = (0..50).map(|_| Arc::new(Timer::new(deadline))).collect();
        let waiters: Vec<_> = timers
            .iter()
            .map(|t| {
                let t = t.clone();
                goro::go(async move {
                    goro::select! {
                        _ = t.recv() => true,
                        _ = after(deadline * 2) => false,
                    }
                })
            })
            .collect();
        // Let the waiters run into their selects (no timing assumed: any of them
        // may or may not be parked yet).
        for _ in 0..10 {
            goro::yield_now().await;
        }
        // A stop that returns true must keep the value from its waiter; one that
        // returns false (only if this machine stalled for 100 ms) means the waiter
        // got it. Exactly one of the two, for every timer.
        let stopped: Vec<bool> = timers.iter().map(|t| t.stop()).collect();
        for (w, stopped) in waiters.into_iter().zip(stopped) {
            let received = w.await.unwrap();
            assert!(
                stopped != received,
                "stop returned {stopped}, the waiter received: {received}"
            );
        }
        for t in &timers {
            assert!(t.try_recv().is_err());
            assert!(!t.stop());
        }
    });
}

/// Reset while a goroutine is parked on the channel: the waiter gets exactly one
/// value, from the new deadline, whether it is earlier or later than the old one;
/// a stop followed by a reset leaves it waiting for the reset's value only.
#[test]
fn reset_while_another_goroutine_waits() {
    run_within(10, async {
        // (old deadline, new deadline, stop first)
        for (old, new, stop_first) in [
            (3_600_000u64, 3u64, true),
            (3_600_000, 3, false),
            (5, 30, false),
        ] {
            let t = Arc::new(Timer::new(Duration::from_millis(old)));
            let (ready_tx, ready) = goro::chan::<()>(0);
            let waiter = {
                let t = t.clone();
                goro::go(async move {
                    ready_tx.send(()).await.unwrap();
                    let v = t.recv().await.unwrap();
                    // Exactly one value: nothing else comes for a while.
                    let more = timeout(Duration::from_millis(40), t.recv()).await;
                    (v, more.is_ok())
                })
            };
            ready.recv().await.unwrap();
            let before = Instant::now();
            let pending = if stop_first {
                assert!(t.stop());
                assert!(!t.reset(Duration::from_millis(new)));
                true
            } else {
                t.reset(Duration::from_millis(new))
            };
            let (v, more) = waiter.await.unwrap();
            // Not pending only if this machine stalled past the old 5 ms deadline
            // and the waiter got that value; then there is nothing to check.
            if pending {
                assert!(
                    v >= before + Duration::from_millis(new),
                    "value from the old deadline"
                );
                assert!(!more, "a second value");
            }
        }
    });
}

/// Stop and reset racing the timer's own fire (the window where a worker has taken
/// the timer out of the wheel but not yet delivered): after `reset` to an hour, no
/// value may arrive, and the hour-long timer must still be stoppable.
#[test]
fn reset_racing_the_fire_delivers_nothing_stale() {
    within(20, || {
        let threads: Vec<_> = (0..2u64)
            .map(|th| {
                std::thread::spawn(move || {
                    let mut timers = Vec::new();
                    for i in 0..150u64 {
                        let t = Timer::new(Duration::from_millis(1));
                        // Reset at offsets sweeping across the moment it fires.
                        let offset = Duration::from_micros(700 + (i * 13 + th * 7) % 2000);
                        spin_until(Instant::now() + offset);
                        t.reset(Duration::from_secs(3600));
                        timers.push(t);
                    }
                    timers
                })
            })
            .collect();
        let timers: Vec<Timer> = threads
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        // A stale fire lands microseconds after the reset; give it ample time.
        let window = after(Duration::from_millis(20));
        window.recv_blocking();
        for t in &timers {
            assert!(t.try_recv().is_err(), "a stale value after reset");
            assert!(t.stop(), "the re-armed timer was lost");
        }
    });
}

/// The same race for a ticker: a reset racing a tick must not leave a second chain
/// of ticks running (the tick after `reset(d)` comes no earlier than `d`).
#[test]
fn ticker_reset_racing_a_tick_leaves_one_chain() {
    within(20, || {
        let tk = Ticker::new(Duration::from_millis(1));
        for i in 0..200u64 {
            spin_until(Instant::now() + Duration::from_micros(300 + i * 13 % 900));
            tk.reset(Duration::from_millis(1));
        }
        let before = Instant::now();
        tk.reset(Duration::from_millis(30));
        let first = tk.recv_blocking().unwrap();
        assert!(
            first >= before + Duration::from_millis(30),
            "a tick {:?} after reset(30ms): a stale chain is still ticking",
            first - before
        );
        tk.stop();
    });
}

/// Many timers with the same deadline all fire, none early (Go's
/// BenchmarkSimultaneousAfterFunc as a test).
#[test]
fn many_timers_with_one_deadline_all_fire() {
    let fired = Arc::new(AtomicUsize::new(0));
    let f = fired.clone();
    run_within(20, async move {
        let deadline = Instant::now() + Duration::from_millis(5);
        let wg = goro::sync::WaitGroup::new();
        for i in 0..3000 {
            let f = f.clone();
            wg.go(async move {
                match i % 3 {
                    0 => sleep_until(deadline).await,
                    1 => {
                        let t = Timer::new(deadline.saturating_duration_since(Instant::now()));
                        t.recv().await.unwrap();
                    }
                    _ => {
                        after(deadline.saturating_duration_since(Instant::now()))
                            .recv()
                            .await
                            .unwrap();
                    }
                }
                assert!(Instant::now() >= deadline, "fired early");
                f.fetch_add(1, SeqCst);
            });
        }
        wg.wait().await;
    });
    assert_eq!(fired.load(SeqCst), 3000);
}

/// Go's TestOverflowSleep: durations too large to add to `now` neither overflow nor
/// fire; a zero duration fires at once.
#[test]
fn huge_durations_do_not_overflow_or_fire() {
    run_within(10, async {
        let r = goro::select! {
            _ = after(Duration::MAX) => "big",
            _ = after(Duration::from_millis(25)) => "small",
        };
        assert_eq!(r, "small");
        let r = goro::select! {
            _ = sleep(Duration::MAX) => "big",
            _ = sleep(Duration::from_millis(5)) => "small",
        };
        assert_eq!(r, "small");
        let far = Instant::now() + Duration::from_secs(100 * 365 * 86_400);
        let r = goro::select! {
            _ = sleep_until(far) => "far",
            _ = sleep(Duration::from_millis(2)) => "near",
        };
        assert_eq!(r, "near");
        assert!(sleep(Duration::MAX).deadline() > Instant::now() + Duration::from_secs(86_400));

        let t = Timer::new(Duration::MAX);
        assert!(timeout(Duration::from_millis(5), t.recv()).await.is_err());
        assert!(t.stop());
        assert!(!t.reset(Duration::MAX));
        assert!(t.reset(Duration::from_millis(1)));
        t.recv().await.unwrap();

        let tk = tick(Duration::MAX);
        assert!(timeout(Duration::from_millis(5), tk.recv()).await.is_err());
        tk.reset(Duration::from_millis(1));
        tk.recv().await.unwrap();
        tk.reset(Duration::MAX);
        assert!(timeout(Duration::from_millis(5), tk.recv()).await.is_err());

        assert_eq!(timeout(Duration::MAX, async { 1 }).await, Ok(1));
        let r = timeout(
            Duration::from_millis(2),
            timeout(Duration::MAX, std::future::pending::<()>()),
        )
        .await;
        assert_eq!(r, Err(Elapsed::new()));
    });
}

/// Zero durations (Go's TestZeroTimer and TestSleepZeroDeadlock): `after(0)` and
/// `Timer::new(0)` fire promptly, `sleep(0)` completes without waiting, and a
/// result ready at a zero deadline still wins.
#[test]
fn zero_durations_fire_promptly() {
    run_within(10, async {
        for _ in 0..100 {
            let t0 = Instant::now();
            let at = after(Duration::ZERO).recv().await.unwrap();
            assert!(at >= t0);
            Timer::new(Duration::ZERO).recv().await.unwrap();
            sleep(Duration::ZERO).await;
            let (tx, rx) = goro::chan::<bool>(1);
            tx.send(true).await.unwrap();
            assert_eq!(rx.recv().await, Some(true));
        }
        assert_eq!(timeout(Duration::ZERO, async { 5 }).await, Ok(5));
        assert_eq!(
            timeout(Duration::ZERO, std::future::pending::<()>()).await,
            Err(Elapsed::new())
        );
        // A ready sleep wins over `default` in a select.
        let r = goro::select! {
            _ = sleep(Duration::ZERO) => 1,
            default => 2,
        };
        assert_eq!(r, 1);
    });
}

/// Timers come due in deadline order and never early (Go's TestAfterQueuing: the
/// order is retried with a longer step, as a descheduled worker can deliver late;
/// "never early" must hold on every attempt).
#[test]
fn timers_fire_in_deadline_order() {
    run_within(20, async {
        for ms in [4, 10, 25] {
            if after_queuing(Duration::from_millis(ms)).await {
                return;
            }
        }
        panic!("timers fired out of deadline order on every attempt");
    });
}

async fn after_queuing(delta: Duration) -> bool {
    {
        const SLOTS: [u32; 13] = [5, 3, 6, 6, 6, 1, 1, 2, 7, 9, 4, 8, 0];
        let (tx, rx) = goro::chan::<(u32, Instant)>(SLOTS.len());
        let t0 = Instant::now();
        for slot in SLOTS {
            let tx = tx.clone();
            let c = after(delta * slot);
            goro::go(async move {
                tx.send((slot, c.recv().await.unwrap())).await.unwrap();
            });
        }
        let mut got = Vec::new();
        for _ in SLOTS {
            got.push(rx.recv().await.unwrap());
        }
        for &(slot, at) in &got {
            assert!(at >= t0 + delta * slot, "slot {slot} fired early");
        }
        // The instants the timers fired at are ordered as their deadlines are.
        got.sort_by_key(|&(_, at)| at);
        let order: Vec<u32> = got.iter().map(|&(s, _)| s).collect();
        let ordered = order.windows(2).all(|w| w[0] <= w[1]);
        if !ordered {
            eprintln!("step {delta:?}: fired out of order: {order:?}");
        }
        ordered
    }
}

/// Go's TestTicker: ticks are spaced by at least the period on average (in fact no
/// tick comes before its slot on the grid), a slow reader gets dropped ticks rather
/// than a burst, and after `reset` the next tick comes a new period later.
#[test]
fn ticker_spacing_and_reset() {
    run_within(10, async {
        let period = Duration::from_millis(3);
        let t0 = Instant::now();
        let tk = tick(period);
        let mut last = t0;
        for k in 1..=10u32 {
            let at = tk.recv().await.unwrap();
            assert!(at >= t0 + period * k, "tick {k} early");
            assert!(at > last);
            last = at;
        }
        let avg = (last - t0) / 10;
        assert!(
            avg >= period,
            "ticks spaced {avg:?} on average < {period:?}"
        );
        // Slow reader: after 10 periods without reading, one tick waits, not ten.
        sleep(period * 10).await;
        assert!(tk.len() <= 1);
        let _ = tk.try_recv();
        // Reset to a longer period: the next tick comes no earlier than that.
        let before = Instant::now();
        tk.reset(period * 4);
        assert!(tk.try_recv().is_err(), "reset discards a pending tick");
        assert!(tk.recv().await.unwrap() >= before + period * 4);
        tk.stop();
        assert!(timeout(period * 3, tk.recv()).await.is_err());
    });
}

/// A ticker with a tiny period does not stall the worker catching up: ticks keep
/// coming (Go's TestAfterStress uses NewTicker(1)).
#[test]
fn ticker_with_a_one_nanosecond_period() {
    run_within(10, async {
        let mut last = Instant::now(); // before: the first tick may beat a later read
        let tk = tick(Duration::from_nanos(1));
        for _ in 0..50 {
            let at = tk.recv().await.unwrap();
            assert!(at >= last);
            last = at;
        }
        tk.stop();
    });
}

/// `timeout` of a future finishing around its deadline never loses the result: a
/// value either comes out as `Ok`, or the receive was abandoned without taking it
/// and it is still there to receive.
#[test]
fn timeout_at_the_deadline_never_loses_a_result() {
    let delivered = Arc::new(AtomicUsize::new(0));
    let d2 = delivered.clone();
    run_within(20, async move {
        let wg = goro::sync::WaitGroup::new();
        for g in 0..8u64 {
            let delivered = d2.clone();
            wg.go(async move {
                for i in 0..25u64 {
                    let cap = (i % 2) as usize; // unbuffered and buffered
                    let (tx, rx) = goro::chan::<u64>(cap);
                    let d = Duration::from_micros(800 + (g * 131 + i * 97) % 800);
                    let sender = goro::go(async move {
                        sleep(Duration::from_millis(1)).await;
                        tx.send(i).await.unwrap();
                    });
                    let v = match timeout(d, rx.recv()).await {
                        Ok(v) => v,
                        // Timed out: the value was not consumed by the abandoned
                        // receive, so it is still on its way.
                        Err(_) => rx.recv().await,
                    };
                    assert_eq!(v, Some(i));
                    sender.await.unwrap();
                    delivered.fetch_add(1, SeqCst);
                }
            });
        }
        wg.wait().await;
    });
    assert_eq!(delivered.load(SeqCst), 200);
}

/// `sleep` as a `select!` case beside channel cases: it loses to a ready value (and
/// consumes nothing), wins when nothing else comes, and a losing sleep re-armed in a
/// loop does not delay the loop.
#[test]
fn sleep_inside_select() {
    run_within(10, async {
        let (tx, rx) = goro::chan::<u32>(0);
        goro::go(async move {
            for i in 0..20 {
                tx.send(i).await.unwrap();
            }
        });
        for want in 0..20 {
            let got = goro::select! {
                _ = sleep(Duration::from_secs(3600)) => None,
                v = rx.recv() => v,
            };
            assert_eq!(got, Some(want));
        }
        // Nothing more comes (the sender is gone): the channel reports closed, and
        // with a guard disabling it the sleep wins.
        let t0 = Instant::now();
        let r = goro::select! {
            _ = sleep(Duration::from_millis(3)) => "slept",
            v = rx.recv(), if false => { let _ = v; "recv" },
        };
        assert_eq!(r, "slept");
        assert!(t0.elapsed() >= Duration::from_millis(3));
        // A never-ready channel and a sleep: the sleep wins, at or after its deadline.
        let (_keep, quiet) = goro::chan::<u32>(0);
        let t0 = Instant::now();
        let r = goro::select! {
            v = quiet.recv() => v,
            _ = sleep(Duration::from_millis(2)) => None,
        };
        assert_eq!(r, None);
        assert!(t0.elapsed() >= Duration::from_millis(2));
        assert!(quiet.try_recv().is_err());
    });
}

/// Timers and tickers used from a plain thread (no goro runtime on it) with
/// `recv_blocking`, and stopped from another thread.
#[test]
fn timer_and_ticker_from_a_plain_thread() {
    within(10, || {
        let t0 = Instant::now();
        let t = Timer::new(Duration::from_millis(2));
        assert!(t.recv_blocking().unwrap() >= t0 + Duration::from_millis(2));
        assert!(after(Duration::from_millis(1)).recv_blocking().unwrap() > t0);

        let mut last = Instant::now();
        let tk = tick(Duration::from_millis(1));
        for _ in 0..3 {
            let at = tk.recv_blocking().unwrap();
            assert!(at >= last);
            last = at;
        }
        tk.stop();
        assert!(tk.try_recv().is_err());

        // Stopped from another thread while this one waits in a select.
        let t = Arc::new(Timer::new(Duration::from_millis(50)));
        let stopper = {
            let t = t.clone();
            std::thread::spawn(move || t.stop())
        };
        let got = futures_lite::future::block_on(async {
            goro::select! {
                _ = t.recv() => true,
                _ = after(Duration::from_millis(100)) => false,
            }
        });
        let stopped = stopper.join().unwrap();
        // Stopped (normally: 50 ms is long) and not received, or fired and received.
        assert!(stopped != got, "stop returned {stopped}, received: {got}");
    });
}
