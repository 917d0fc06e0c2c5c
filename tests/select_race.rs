//! A select decides over one instant of all its channels (Go's
//! runtime/chan_test.go TestNonblockSelectRace and TestNonblockSelectRace2): with
//! `default` it never takes the default while one of its cases was ready the
//! whole time, however the other side interleaves with its look at each channel.
//!
//! Each test repeats a race many times. The issue's form (two cases) took the
//! default 2-45 times in 100,000 on a select that looked at one channel at a time,
//! on two free cores, and none at all on a busy machine; so the tests also widen
//! the window between the select's looks at the two channels that matter with six
//! more cases on empty channels (the order is random, so those looks usually fall
//! between them), and vary the instant at which the other side acts from round to
//! round. Debug builds run fewer rounds (each round is slower); set
//! `GORO_RACE_ROUNDS` to override.

mod common;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

use goro::{Receiver, Runtime, Select, Sender};

fn rounds() -> usize {
    if let Some(n) = std::env::var("GORO_RACE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return n;
    }
    if cfg!(debug_assertions) {
        30_000
    } else {
        100_000
    }
}

/// Runs `rounds()` rounds of a race on a runtime with `workers` workers: `select`
/// (on a goroutine, given its channel ends) returns `true` unless it took the
/// default; `other` (on this plain thread, Go's main) runs once the goroutine has
/// started, and changes the channels so that some case stays ready throughout.
/// Fails if any select took the default.
fn race<S, F, Fut, O>(workers: usize, setup: S, select: F, other: O)
where
    S: Fn() -> (Vec<Sender<i32>>, Vec<Receiver<i32>>) + Send + 'static,
    F: Fn(Vec<Sender<i32>>, Vec<Receiver<i32>>) -> Fut + Send + 'static,
    Fut: Future<Output = bool> + Send + 'static,
    O: Fn(&[Sender<i32>], &[Receiver<i32>]) + Send + 'static,
{
    common::within(300, move || {
        let rt = Runtime::builder().workers(workers).build();
        let (done_tx, done_rx) = goro::chan::<bool>(1);
        let n = rounds();
        let mut defaults = 0;
        for round in 0..n {
            let (txs, rxs) = setup();
            let (t, r, d) = (txs.clone(), rxs.clone(), done_tx.clone());
            let started = Arc::new(AtomicBool::new(false));
            let s = started.clone();
            let fut = select(t, r);
            drop(rt.go(async move {
                s.store(true, SeqCst);
                let ok = fut.await;
                d.send(ok).await.unwrap();
            }));
            while !started.load(SeqCst) {
                std::hint::spin_loop();
            }
            // Sweep the instant of the other side's moves over the select's poll.
            for _ in 0..round % 48 {
                std::hint::spin_loop();
            }
            other(&txs, &rxs);
            if !done_rx.recv_blocking().unwrap() {
                defaults += 1;
            }
        }
        assert_eq!(defaults, 0, "took default {defaults} times in {n} rounds");
    });
}

/// Two capacity-1 channels, the first holding a value, then six empty ones.
fn two_buffered_first_full() -> (Vec<Sender<i32>>, Vec<Receiver<i32>>) {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..8).map(|_| goro::chan::<i32>(1)).unzip();
    txs[0].try_send(1).unwrap();
    (txs, rxs)
}

/// The issue's reproduction (TestNonblockSelectRace): c2 becomes ready before c1
/// is emptied.
fn fill_second_then_drain_first(txs: &[Sender<i32>], rxs: &[Receiver<i32>]) {
    txs[1].try_send(1).unwrap();
    let _ = rxs[0].try_recv();
}

/// The issue's select: the first two channels only.
async fn macro_recv2(_t: Vec<Sender<i32>>, r: Vec<Receiver<i32>>) -> bool {
    goro::select! {
        _ = r[0].recv() => true,
        _ = r[1].recv() => true,
        default => false,
    }
}

async fn macro_recv(_t: Vec<Sender<i32>>, r: Vec<Receiver<i32>>) -> bool {
    goro::select! {
        _ = r[0].recv() => true,
        _ = r[1].recv() => true,
        _ = r[2].recv() => false,
        _ = r[3].recv() => false,
        _ = r[4].recv() => false,
        _ = r[5].recv() => false,
        _ = r[6].recv() => false,
        _ = r[7].recv() => false,
        default => false,
    }
}

async fn builder_recv(_t: Vec<Sender<i32>>, r: Vec<Receiver<i32>>) -> bool {
    let mut s = Select::new();
    for rx in &r {
        s.recv(rx);
    }
    s.try_select().is_ok_and(|sel| sel.index() < 2)
}

/// The issue's program as it is (two cases).
#[test]
fn nonblock_select_race_issue_form() {
    for workers in [1, 2] {
        race(
            workers,
            two_buffered_first_full,
            macro_recv2,
            fill_second_then_drain_first,
        );
    }
}

#[test]
fn nonblock_select_race_macro_one_worker() {
    race(
        1,
        two_buffered_first_full,
        macro_recv,
        fill_second_then_drain_first,
    );
}

#[test]
fn nonblock_select_race_macro_two_workers() {
    race(
        2,
        two_buffered_first_full,
        macro_recv,
        fill_second_then_drain_first,
    );
}

#[test]
fn nonblock_select_race_builder_one_worker() {
    race(
        1,
        two_buffered_first_full,
        builder_recv,
        fill_second_then_drain_first,
    );
}

#[test]
fn nonblock_select_race_builder_two_workers() {
    race(
        2,
        two_buffered_first_full,
        builder_recv,
        fill_second_then_drain_first,
    );
}

/// TestNonblockSelectRace2: the second channel is unbuffered and gets closed (a
/// closed channel is ready to receive from) before the first is emptied.
#[test]
fn nonblock_select_race2_close() {
    for workers in [1, 2] {
        race(
            workers,
            || {
                let (mut txs, mut rxs) = two_buffered_first_full();
                let (c2, r2) = goro::chan::<i32>(0);
                (txs[1], rxs[1]) = (c2, r2);
                (txs, rxs)
            },
            macro_recv,
            |txs, rxs| {
                txs[1].close();
                let _ = rxs[0].try_recv();
            },
        );
    }
}

/// The send-case variant: c1 has room, c2 is full; the other side makes room in
/// c2 before it fills c1, so one send case is ready throughout.
#[test]
fn nonblock_select_race_send_cases() {
    /// c1 empty, c2 full; six more full channels (their sends never ready).
    fn setup() -> (Vec<Sender<i32>>, Vec<Receiver<i32>>) {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..8).map(|_| goro::chan::<i32>(1)).unzip();
        for tx in &txs[1..] {
            tx.try_send(0).unwrap();
        }
        (txs, rxs)
    }
    fn other(txs: &[Sender<i32>], rxs: &[Receiver<i32>]) {
        let _ = rxs[1].try_recv();
        let _ = txs[0].try_send(9);
    }
    async fn macro_send(t: Vec<Sender<i32>>, _r: Vec<Receiver<i32>>) -> bool {
        goro::select! {
            _ = t[0].send(1) => true,
            _ = t[1].send(2) => true,
            _ = t[2].send(2) => false,
            _ = t[3].send(2) => false,
            _ = t[4].send(2) => false,
            _ = t[5].send(2) => false,
            _ = t[6].send(2) => false,
            _ = t[7].send(2) => false,
            default => false,
        }
    }
    async fn builder_send(t: Vec<Sender<i32>>, _r: Vec<Receiver<i32>>) -> bool {
        let mut s = Select::new();
        for tx in &t {
            s.send(tx, 1);
        }
        s.try_select().is_ok_and(|sel| sel.index() < 2)
    }
    for workers in [1, 2] {
        race(workers, setup, macro_send, other);
        race(workers, setup, builder_send, other);
    }
}

/// A select with a send and a receive case on one channel, plus another
/// channel: the locked pass locks the shared channel once, and the select never
/// pairs with itself (on an unbuffered channel neither case is ready alone).
#[test]
fn locked_pass_with_a_channel_used_twice() {
    common::run_within(30, async {
        let (tx, rx) = goro::chan::<i32>(0);
        let (tx2, rx2) = goro::chan::<i32>(0);
        for _ in 0..1000 {
            let got = goro::select! {
                _ = tx.send(1) => "send",
                _ = rx.recv() => "recv",
                _ = rx2.recv() => "other",
                default => "default",
            };
            assert_eq!(got, "default");
        }
        // Buffered: with room and no value only the send is ready, and the same
        // select then finds the value.
        let (btx, brx) = goro::chan::<i32>(1);
        let got = goro::select! {
            _ = btx.send(1) => "send",
            _ = brx.recv() => "recv",
            _ = rx2.recv() => "other",
            default => "default",
        };
        assert_eq!(got, "send");
        let got = goro::select! {
            _ = btx.send(2) => "send",
            v = brx.recv() => { assert_eq!(v, Some(1)); "recv" },
            _ = rx2.recv() => "other",
            default => "default",
        };
        assert_eq!(got, "recv");
        // The Select builder with the same channel three times.
        let mut s = Select::new();
        s.recv(&rx);
        s.send(&tx, 5);
        s.recv(&rx);
        assert!(s.try_select().is_err());
        drop((tx2, rx2));
    });
}

/// The locked pass sees closed channels and skips disabled (`if false`) cases.
#[test]
fn locked_pass_closed_and_disabled_cases() {
    common::run_within(30, async {
        let (tx1, rx1) = goro::chan::<i32>(1);
        let (tx2, rx2) = goro::chan::<i32>(1);
        tx1.try_send(1).unwrap();
        // The only ready case is disabled: default.
        let got = goro::select! {
            _ = rx1.recv(), if false => "rx1",
            _ = rx2.recv() => "rx2",
            _ = tx1.send(3) => "tx1",
            default => "default",
        };
        assert_eq!(got, "default");
        tx2.close();
        let got = goro::select! {
            v = rx2.recv() => { assert_eq!(v, None); "rx2" },
            _ = tx1.send(3) => "tx1",
            default => "default",
        };
        assert_eq!(got, "rx2");
        let got = goro::select! {
            r = tx2.send(1) => { assert!(r.is_err()); "tx2" },
            _ = tx1.send(3) => "tx1",
            default => "default",
        };
        assert_eq!(got, "tx2");
    });
}

/// A future case that, the first time it is polled, makes the other side's moves
/// (`moves`), then stays pending. The select polls it in pass 1 at a random point
/// among its channel looks, so some rounds interleave the moves exactly between
/// the looks at two channels: the race above, made deterministic (without
/// threads, so a busy machine cannot hide it).
fn mover(moves: impl FnOnce()) -> impl std::future::Future<Output = ()> {
    let mut moves = Some(moves);
    std::future::poll_fn(move |_| {
        if let Some(m) = moves.take() {
            m();
        }
        std::task::Poll::Pending
    })
}

/// With `default`: c1 has a value; the mover fills c2, then empties c1. One
/// of them is ready at every instant, so the default is never taken. (A select
/// that looks at one channel at a time takes it whenever it looks at c2, then
/// runs the mover, then looks at c1: one round in six.)
#[test]
fn default_select_sees_one_instant_of_its_channels() {
    common::run_within(60, async {
        let mut defaults = 0;
        for _ in 0..3000 {
            let (c1, r1) = goro::chan::<i32>(1);
            let (c2, r2) = goro::chan::<i32>(1);
            c1.try_send(1).unwrap();
            let got = goro::select! {
                v = r1.recv() => v,
                v = r2.recv() => v,
                _ = mover(|| {
                    c2.try_send(2).unwrap();
                    assert_eq!(r1.try_recv(), Ok(1));
                }) => unreachable!(),
                default => None,
            };
            if got.is_none() {
                defaults += 1;
            }
        }
        assert_eq!(defaults, 0, "took default {defaults} times in 3000");
    });
}

/// The same with send cases: c1 has room, c2 is full; the mover empties c2,
/// then fills c1.
#[test]
fn default_select_sees_one_instant_of_its_send_cases() {
    common::run_within(60, async {
        let mut defaults = 0;
        for _ in 0..3000 {
            let (c1, _r1) = goro::chan::<i32>(1);
            let (c2, r2) = goro::chan::<i32>(1);
            c2.try_send(0).unwrap();
            let got = goro::select! {
                r = c1.send(1) => r.is_ok(),
                r = c2.send(2) => r.is_ok(),
                _ = mover(|| {
                    assert_eq!(r2.try_recv(), Ok(0));
                    c1.try_send(9).unwrap();
                }) => unreachable!(),
                default => false,
            };
            if !got {
                defaults += 1;
            }
        }
        assert_eq!(defaults, 0, "took default {defaults} times in 3000");
    });
}

/// Without `default`: the mover's send on c2 meets the select's queued c2 case
/// while the select is polling, so the select finishes its poll in pass 2 (the
/// locked pass); it must complete at once with c2's value, and wait on nothing.
#[test]
fn blocking_select_decides_after_a_partner_passed_it_over() {
    // On a plain thread: no cooperative budget, so every first poll is a real one.
    common::within(60, || {
        futures_lite::future::block_on(async {
            for _ in 0..3000 {
                let (c1, r1) = goro::chan::<i32>(1);
                let (c2, r2) = goro::chan::<i32>(1);
                c1.try_send(1).unwrap();
                let fut = std::pin::pin!(async {
                    goro::select! {
                        v = r1.recv() => v,
                        v = r2.recv() => v,
                        _ = mover(|| {
                            c2.try_send(2).unwrap();
                            assert_eq!(r1.try_recv(), Ok(1));
                        }) => unreachable!(),
                    }
                });
                let got = futures_lite::future::poll_once(fut).await;
                assert!(matches!(got, Some(Some(1 | 2))), "{got:?}");
            }
        })
    });
}
