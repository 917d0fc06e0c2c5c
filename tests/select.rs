//! `select!` and `Select`: semantics, exactly-once under races, cancellation,
//! fairness. Every waiting test is bounded by `run_within`/`within`.

mod common;

use common::{counting_waker, poll_with, run_within, within};
use futures_lite::future;
use goro::chan::{SendError, TryRecvError, TrySendError};
use goro::{Select, Selected, chan, go, select};
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

#[test]
fn picks_the_ready_case() {
    run_within(10, async {
        let (tx1, rx1) = chan::<i32>(1);
        let (_tx2, rx2) = chan::<i32>(0);
        tx1.send(5).await.unwrap();
        let r = select! {
            v = rx1.recv() => v,
            v = rx2.recv() => v.map(|x| x + 100),
        };
        assert_eq!(r, Some(5));
        // A send case.
        let (tx3, rx3) = chan::<i32>(1);
        let r = select! {
            v = rx2.recv() => Err(v),
            r = tx3.send(9) => Ok(r),
        };
        assert_eq!(r, Ok(Ok(())));
        assert_eq!(rx3.try_recv(), Ok(9));
    });
}

#[test]
fn default_and_guards() {
    let (tx, rx) = chan::<i32>(1);
    let r = future::block_on(async {
        select! {
            v = rx.recv() => Some(v),
            default => None,
        }
    });
    assert_eq!(r, None);
    tx.try_send(1).unwrap();
    // The only ready case is disabled: default.
    let r = future::block_on(async {
        select! {
            v = rx.recv(), if false => Some(v),
            default => None,
        }
    });
    assert_eq!(r, None);
    assert_eq!(rx.len(), 1, "a disabled case consumes nothing");
    let enabled = true;
    let r = future::block_on(async {
        select! {
            v = rx.recv(), if enabled => Some(v),
            default => None,
        }
    });
    assert_eq!(r, Some(Some(1)));
    // A send that is not ready and a default: nothing is sent later either.
    let (tx0, rx0) = chan::<i32>(0);
    let r = future::block_on(async {
        select! {
            r = tx0.send(1) => Some(r),
            default => None,
        }
    });
    assert_eq!(r, None);
    assert_eq!(rx0.try_recv(), Err(TryRecvError::Empty));
    drop(tx);
}

#[test]
fn closed_channels_are_ready() {
    let (tx, rx) = chan::<i32>(0);
    drop(tx);
    let (tx2, rx2) = chan::<i32>(0);
    drop(rx2);
    let r = future::block_on(async {
        select! {
            v = rx.recv() => format!("{v:?}"),
            default => "default".to_string(),
        }
    });
    assert_eq!(r, "None");
    let r = future::block_on(async {
        select! {
            r = tx2.send(3) => r,
        }
    });
    assert_eq!(r, Err(SendError(3)));
}

#[test]
fn body_control_flow_and_values() {
    // break/continue in bodies, bodies of several forms, a bare Receiver case.
    let out = run_within(10, async {
        let (tx, rx) = chan::<u32>(4);
        let (dtx, drx) = chan::<()>(0);
        for i in 0..4 {
            tx.send(i).await.unwrap();
        }
        tx.close();
        let mut sum = 0;
        loop {
            select! {
                v = rx.recv() => match v {
                    Some(v) => { sum += v; continue; }
                    None => break,
                },
                _ = drx.recv() => { unreachable!() }
            }
        }
        drop(dtx);
        let (ttx, trx) = chan::<&str>(1);
        ttx.send("tick").await.unwrap();
        let got = select! {
            v = trx => v,
        };
        (sum, got)
    });
    assert_eq!(out, (6, Some("tick")));
}

#[test]
fn future_cases_and_timeouts() {
    run_within(10, async {
        let (_tx, rx) = chan::<i32>(0);
        // A timeout as a future case.
        let r = select! {
            v = rx.recv() => Some(v),
            _ = goro::time::sleep(Duration::from_millis(5)) => None,
        };
        assert_eq!(r, None);
        // A JoinHandle as a case.
        let h = go(async { 7 });
        let r = select! {
            v = rx.recv() => v,
            j = h => j.ok(),
        };
        assert_eq!(r, Some(7));
        // An async block as a case.
        let r = select! {
            v = async { 1 } => v,
        };
        assert_eq!(r, 1);
    });
}

#[test]
fn a_select_never_pairs_with_itself() {
    let (tx, rx) = chan::<i32>(0);
    let r = future::block_on(async {
        select! {
            r = tx.send(1) => Some(r.is_ok()),
            v = rx.recv() => Some(v.is_some()),
            default => None,
        }
    });
    assert_eq!(r, None);
    // Without default it parks on both; a partner completes one side.
    let (_c, w) = counting_waker();
    let mut s = Box::pin(async {
        select! {
            r = tx.send(1) => format!("sent {r:?}"),
            v = rx.recv() => format!("recv {v:?}"),
        }
    });
    assert!(poll_with(s.as_mut(), &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(poll_with(s.as_mut(), &w), Poll::Ready("sent Ok(())".into()));
}

/// A future that counts its polls and is ready once `ready` is set.
struct Flag {
    ready: Arc<AtomicBool>,
    polls: Arc<AtomicUsize>,
}
impl Future for Flag {
    type Output = &'static str;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<&'static str> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        if self.ready.load(Ordering::SeqCst) {
            Poll::Ready("future")
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn a_committed_channel_case_beats_a_future_that_became_ready() {
    let (tx, rx) = chan::<i32>(0);
    let ready = Arc::new(AtomicBool::new(false));
    let polls = Arc::new(AtomicUsize::new(0));
    let (c, w) = counting_waker();
    let flag = Flag {
        ready: ready.clone(),
        polls: polls.clone(),
    };
    let mut s = Box::pin(async {
        select! {
            v = rx.recv() => format!("chan {v:?}"),
            f = flag => f.to_string(),
        }
    });
    assert!(poll_with(s.as_mut(), &w).is_pending());
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    // A partner commits the parked receive...
    assert_eq!(tx.try_send(4), Ok(()));
    assert_eq!(c.0.load(Ordering::SeqCst), 1);
    // ...then the future becomes ready: the committed case must win and the
    // future's output must not be taken.
    ready.store(true, Ordering::SeqCst);
    assert_eq!(
        poll_with(s.as_mut(), &w),
        Poll::Ready("chan Some(4)".into())
    );
    assert_eq!(
        polls.load(Ordering::SeqCst),
        1,
        "future polled after a commit"
    );
}

#[test]
fn dropped_select_has_no_effect() {
    let (tx_a, rx_a) = chan::<i32>(0);
    let (tx_b, rx_b) = chan::<i32>(0);
    let (_c, w) = counting_waker();
    {
        let mut s = Box::pin(async {
            select! {
                v = rx_a.recv() => Err(v),
                r = tx_b.send(1) => Ok(r),
            }
        });
        assert!(poll_with(s.as_mut(), &w).is_pending());
    }
    // Nothing stayed queued: no receiver on A, no sender on B.
    assert_eq!(tx_a.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(rx_b.try_recv(), Err(TryRecvError::Empty));

    // Committed (a value delivered to the receive case) and then dropped before
    // it looked: the value is given back, not lost.
    {
        let mut s = Box::pin(async {
            select! {
                v = rx_a.recv() => Err(v),
                r = tx_b.send(1) => Ok(r),
            }
        });
        assert!(poll_with(s.as_mut(), &w).is_pending());
        assert_eq!(tx_a.try_send(2), Ok(()));
    }
    assert_eq!(rx_a.try_recv(), Ok(2));
    assert_eq!(rx_b.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn dropped_select_races_with_a_sender() {
    // A select parked on an unbuffered receive is dropped while another thread
    // try-sends: a successful send's value is always found afterwards.
    within(30, || {
        for _ in 0..300 {
            let (tx, rx) = chan::<u32>(0);
            let (_tx2, rx2) = chan::<u32>(0);
            let (_c, w) = counting_waker();
            let mut s = Box::pin(async {
                select! {
                    v = rx.recv() => v,
                    v = rx2.recv() => v,
                }
            });
            assert!(poll_with(s.as_mut(), &w).is_pending());
            let tx2 = tx.clone();
            let t = std::thread::spawn(move || tx2.try_send(5).is_ok());
            std::hint::spin_loop();
            drop(s);
            let sent = t.join().unwrap();
            let found = rx.try_recv() == Ok(5);
            assert_eq!(sent, found, "sent={sent} found={found}");
            drop(tx);
        }
    });
}

#[test]
fn two_selects_compete_for_one_unbuffered_sender() {
    // Each round: two goroutines select on {recv(ch), recv(stop)}; one value is
    // sent on ch; then stop is closed. Exactly one select gets the value.
    run_within(60, async {
        for _ in 0..100 {
            let (tx, rx) = chan::<u32>(0);
            let (stop_tx, stop_rx) = chan::<u32>(0);
            let mut hs = vec![];
            for _ in 0..2 {
                let (rx, stop_rx) = (rx.clone(), stop_rx.clone());
                hs.push(go(async move {
                    select! {
                        v = rx.recv() => v,
                        _ = stop_rx.recv() => None,
                    }
                }));
            }
            tx.send(1).await.unwrap();
            stop_tx.close();
            let mut got = 0;
            for h in hs {
                if h.await.unwrap() == Some(1) {
                    got += 1;
                }
            }
            assert_eq!(got, 1);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        }
    });
}

#[test]
fn two_selects_compete_for_one_unbuffered_receiver() {
    // Two selects each offer a send on ch (and a receive on stop); one receiver
    // takes one value; the loser must not have delivered anything.
    run_within(60, async {
        for i in 0..100u32 {
            let (tx, rx) = chan::<u32>(0);
            let (stop_tx, stop_rx) = chan::<u32>(0);
            let mut hs = vec![];
            for k in 0..2u32 {
                let (tx, stop_rx) = (tx.clone(), stop_rx.clone());
                hs.push(go(async move {
                    select! {
                        r = tx.send(i * 2 + k) => r.is_ok(),
                        _ = stop_rx.recv() => false,
                    }
                }));
            }
            let v = rx.recv().await.unwrap();
            stop_tx.close();
            let mut sent = vec![];
            for (k, h) in hs.into_iter().enumerate() {
                if h.await.unwrap() {
                    sent.push(i * 2 + k as u32);
                }
            }
            assert_eq!(sent, vec![v]);
            drop(tx);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        }
    });
}

#[test]
fn select_send_vs_select_recv_exactly_once() {
    // A select offering a send on A and a receive on B races a partner that
    // receives on A and a partner that sends on B: exactly one partner succeeds,
    // and it matches the case the select reports.
    run_within(60, async {
        for _ in 0..100 {
            let (tx_a, rx_a) = chan::<u32>(0);
            let (tx_b, rx_b) = chan::<u32>(0);
            let p1 = go({
                let rx_a = rx_a.clone();
                async move { rx_a.recv().await }
            });
            let p2 = go({
                let tx_b = tx_b.clone();
                async move { tx_b.send(2).await }
            });
            let won = select! {
                r = tx_a.send(1) => { r.unwrap(); 'a' },
                v = rx_b.recv() => { assert_eq!(v, Some(2)); 'b' },
            };
            // Release the loser.
            drop((tx_a, rx_a, tx_b, rx_b));
            let r1 = p1.await.unwrap();
            let r2 = p2.await.unwrap();
            match won {
                'a' => {
                    assert_eq!(r1, Some(1));
                    assert_eq!(r2, Err(SendError(2)));
                }
                _ => {
                    assert_eq!(r1, None);
                    assert_eq!(r2, Ok(()));
                }
            }
        }
    });
}

#[test]
fn fairness_two_ready_channels() {
    let (tx1, rx1) = chan::<u8>(1);
    let (tx2, rx2) = chan::<u8>(1);
    let n = 100_000;
    let mut first = 0;
    future::block_on(async {
        tx1.send(1).await.unwrap();
        tx2.send(2).await.unwrap();
        for _ in 0..n {
            let v = select! {
                v = rx1.recv() => v,
                v = rx2.recv() => v,
            };
            match v {
                Some(1) => {
                    first += 1;
                    tx1.try_send(1).unwrap();
                }
                Some(2) => tx2.try_send(2).unwrap(),
                _ => unreachable!(),
            }
        }
    });
    let share = first as f64 / n as f64;
    assert!((0.45..=0.55).contains(&share), "share {share}");
}

#[test]
fn fairness_four_ready_cases_with_a_future() {
    let chans: Vec<_> = (0..3).map(|_| chan::<u8>(1)).collect();
    for (tx, _) in &chans {
        tx.try_send(0).unwrap();
    }
    let mut wins = [0usize; 4];
    future::block_on(async {
        for _ in 0..20_000 {
            let i = select! {
                _ = chans[0].1.recv() => 0,
                _ = chans[1].1.recv() => 1,
                _ = chans[2].1.recv() => 2,
                _ = async {} => 3,
            };
            wins[i] += 1;
            if i < 3 {
                chans[i].0.try_send(0).unwrap();
            }
        }
    });
    for w in wins {
        assert!((4_000..=6_000).contains(&w), "wins {wins:?}");
    }
}

#[test]
fn select_builder() {
    let chans: Vec<_> = (0..5).map(|_| chan::<u32>(1)).collect();
    let mut s = Select::new();
    for (_, rx) in &chans {
        s.recv(rx);
    }
    let s = s.try_select().unwrap_err();
    assert_eq!(s.len(), 5);
    chans[3].0.try_send(33).unwrap();
    match s.select_blocking() {
        Selected::Recv { index, value } => assert_eq!((index, value), (3, Some(33))),
        other => panic!("{other:?}"),
    }
    // Sends: only one happens.
    let mut s = Select::new();
    for (tx, _) in &chans {
        s.send(tx, 7);
    }
    let sel = s.select_blocking();
    let i = sel.index();
    assert!(matches!(sel, Selected::Send { result: Ok(()), .. }));
    let filled: Vec<usize> = (0..5).filter(|&j| chans[j].1.len() == 1).collect();
    assert_eq!(filled, vec![i]);
    // Parked, then completed by a partner on another thread.
    within(10, || {
        let (tx, rx) = chan::<u32>(0);
        let (_tx2, rx2) = chan::<u32>(0);
        let t = std::thread::spawn(move || tx.send_blocking(4));
        let mut s = Select::new();
        s.recv(&rx2);
        s.recv(&rx);
        let sel = s.select_blocking();
        assert!(matches!(
            sel,
            Selected::Recv {
                index: 1,
                value: Some(4)
            }
        ));
        t.join().unwrap().unwrap();
    });
    // Dropped while parked: no effect.
    let (tx, rx) = chan::<u32>(0);
    let (_c, w) = counting_waker();
    {
        let mut s = Select::new();
        s.recv(&rx);
        let mut f = pin!(s.select());
        assert!(poll_with(f.as_mut(), &w).is_pending());
    }
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
}

#[test]
fn select_on_other_executors() {
    within(10, || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, rx) = chan::<i32>(0);
            let (_tx2, rx2) = chan::<i32>(0);
            let h = tokio::spawn(async move { tx.send(1).await });
            let v = select! {
                v = rx.recv() => v,
                v = rx2.recv() => v,
                _ = tokio::time::sleep(Duration::from_secs(5)) => None,
            };
            assert_eq!(v, Some(1));
            h.await.unwrap().unwrap();
        });
    });
}

/// 8 producers send on two channels (one unbuffered, one buffered); 4 consumers
/// select over both, 4 receive from one each. Every value exactly once.
#[test]
fn mpmc_with_selecting_consumers() {
    let per = 4_000usize;
    let (n, seen) = run_within(60, async move {
        let (tx_u, rx_u) = chan::<usize>(0);
        let (tx_b, rx_b) = chan::<usize>(8);
        let mut ps = vec![];
        for p in 0..8 {
            let tx = if p % 2 == 0 {
                tx_u.clone()
            } else {
                tx_b.clone()
            };
            ps.push(go(async move {
                for i in 0..per {
                    tx.send(p * per + i).await.unwrap();
                }
            }));
        }
        drop((tx_u, tx_b));
        let mut cs = vec![];
        for c in 0..8 {
            let (rx_u, rx_b) = (rx_u.clone(), rx_b.clone());
            cs.push(go(async move {
                let mut got = vec![];
                if c < 4 {
                    let (mut u_open, mut b_open) = (true, true);
                    while u_open || b_open {
                        select! {
                            v = rx_u.recv(), if u_open => match v {
                                Some(v) => got.push(v),
                                None => u_open = false,
                            },
                            v = rx_b.recv(), if b_open => match v {
                                Some(v) => got.push(v),
                                None => b_open = false,
                            },
                        }
                    }
                } else {
                    let rx = if c % 2 == 0 { rx_u } else { rx_b };
                    while let Some(v) = rx.recv().await {
                        got.push(v);
                    }
                }
                got
            }));
        }
        for p in ps {
            p.await.unwrap();
        }
        let mut seen = vec![0u8; 8 * per];
        let mut n = 0;
        for c in cs {
            for v in c.await.unwrap() {
                seen[v] += 1;
                n += 1;
            }
        }
        (n, seen)
    });
    assert_eq!(n, 8 * per);
    assert!(seen.iter().all(|&s| s == 1));
}

/// W4's shape: 4 producers on capacity-16 channels, one consumer selecting with
/// guards until all are closed.
#[test]
fn select4_until_all_closed() {
    let per = 5_000u64;
    let (sum, count) = run_within(60, async move {
        let chans: Vec<_> = (0..4).map(|_| chan::<u64>(16)).collect();
        let producers: Vec<_> = chans
            .iter()
            .enumerate()
            .map(|(p, (tx, _))| {
                let tx = tx.clone();
                go(async move {
                    for i in 0..per {
                        tx.send(p as u64 * per + i).await.unwrap();
                    }
                    tx.close();
                })
            })
            .collect();
        let (c0, c1, c2, c3) = (&chans[0].1, &chans[1].1, &chans[2].1, &chans[3].1);
        let mut open = [true; 4];
        let (mut sum, mut count) = (0u64, 0u64);
        while open.iter().any(|&o| o) {
            let (i, v) = select! {
                v = c0.recv(), if open[0] => (0, v),
                v = c1.recv(), if open[1] => (1, v),
                v = c2.recv(), if open[2] => (2, v),
                v = c3.recv(), if open[3] => (3, v),
            };
            match v {
                Some(v) => {
                    sum += v;
                    count += 1;
                }
                None => open[i] = false,
            }
        }
        for p in producers {
            p.await.unwrap();
        }
        (sum, count)
    });
    let m = 4 * per;
    assert_eq!((sum, count), (m * (m - 1) / 2, m));
}

/// Selects against selects: 6 goroutines each run 300 selects that offer both a
/// send and a receive on the same two unbuffered channels (so every rendezvous is
/// between two selects, in both directions). Every value sent is received exactly
/// once, and no select pairs with itself.
#[test]
fn selects_against_selects_on_shared_unbuffered_channels() {
    let per = 300u32;
    let g = 6u32;
    let (sent, recvd) = run_within(60, async move {
        let (tx_a, rx_a) = chan::<u32>(0);
        let (tx_b, rx_b) = chan::<u32>(0);
        let done = Arc::new(AtomicUsize::new(0));
        let (stop_tx, stop_rx) = chan::<()>(0);
        let mut hs = vec![];
        for id in 0..g {
            let (tx_a, rx_a, tx_b, rx_b) = (tx_a.clone(), rx_a.clone(), tx_b.clone(), rx_b.clone());
            let (done, stop_tx, stop_rx) = (done.clone(), stop_tx.clone(), stop_rx.clone());
            hs.push(go(async move {
                let (mut sent, mut recvd) = (vec![], vec![]);
                let mut seq = 0;
                let mut rounds = 0;
                let mut stopped = false;
                loop {
                    if rounds == per && !stopped {
                        stopped = true;
                        // The last one to finish its rounds releases everybody.
                        if done.fetch_add(1, Ordering::SeqCst) + 1 == g as usize {
                            stop_tx.close();
                        }
                    }
                    let v = id * 1_000_000 + seq;
                    select! {
                        r = tx_a.send(v) => { r.unwrap(); sent.push(v); seq += 1; },
                        r = tx_b.send(v) => { r.unwrap(); sent.push(v); seq += 1; },
                        x = rx_a.recv() => recvd.push(x.unwrap()),
                        x = rx_b.recv() => recvd.push(x.unwrap()),
                        _ = stop_rx.recv() => break,
                    }
                    rounds = (rounds + 1).min(per);
                }
                drop(stop_tx);
                (sent, recvd)
            }));
        }
        drop((stop_tx, stop_rx));
        let (mut sent, mut recvd) = (vec![], vec![]);
        for h in hs {
            let (s, r) = h.await.unwrap();
            sent.extend(s);
            recvd.extend(r);
        }
        (sent, recvd)
    });
    let mut s = sent.clone();
    let mut r = recvd.clone();
    s.sort_unstable();
    r.sort_unstable();
    assert_eq!(s, r, "every value sent is received exactly once");
    assert!(!s.is_empty());
    let mut d = s.clone();
    d.dedup();
    assert_eq!(d.len(), s.len());
}

#[test]
fn polling_with_default_lets_other_goroutines_run_on_one_worker() {
    // Go preempts a goroutine that polls a channel with `select { ...; default: }`
    // in a loop; goro's select with `default` is a yield point once the goroutine's
    // budget is spent, so the sender sharing the only worker gets to run.
    within(20, || {
        let rt = goro::Runtime::builder().workers(1).build();
        let spins = rt.block_on(async {
            let (tx, rx) = chan::<u32>(0);
            let (started_tx, started_rx) = chan::<()>(1);
            let poller = go(async move {
                started_tx.send(()).await.unwrap();
                let mut spins = 0u64;
                loop {
                    select! {
                        v = rx.recv() => { assert_eq!(v, Some(7)); return spins; },
                        default => spins += 1,
                    }
                }
            });
            // The poller holds the only worker now; the sender can run only if the
            // poller lets go of it.
            started_rx.recv().await.unwrap();
            let sender = go(async move { tx.send(7).await.unwrap() });
            let spins = poller.await.unwrap();
            sender.await.unwrap();
            spins
        });
        assert!(spins > 0);
    });
}
