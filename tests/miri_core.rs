//! The unsafe core through the runtime, small enough for Miri: channels (the
//! intrusive waiter lists, the rendezvous hand-off, close), `select!` and `Select`
//! (the commit slot, cancellation with a value given back), `Mutex`, `RwMutex`,
//! `WaitGroup`, timers and `unblock`, on a runtime of two workers.
//!
//! CI runs this file under Miri (`.ci/run miri`) with several seeds, under Stacked
//! and Tree Borrows, with Miri's leak check on except for the `outliving_` tests;
//! it also runs, in a blink, as an ordinary test. The loops are
//! short on purpose: Miri interprets every instruction.
mod common;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_lite::future::poll_once;
use goro::sync::{Mutex, RwMutex, WaitGroup};

fn rt<F: Future + Send + 'static>(fut: F) -> F::Output
where
    F::Output: Send + 'static,
{
    common::within(600, move || {
        goro::Runtime::builder().workers(2).build().block_on(fut)
    })
}

#[test]
fn unbuffered_ping_pong() {
    rt(async {
        let (ping_tx, ping_rx) = goro::chan::<u32>(0);
        let (pong_tx, pong_rx) = goro::chan::<u32>(0);
        let h = goro::go(async move {
            while let Some(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        });
        for i in 0..20 {
            ping_tx.send(i).await.unwrap();
            assert_eq!(pong_rx.recv().await, Some(i + 1));
        }
        drop(ping_tx);
        h.await.unwrap();
    });
}

#[test]
fn buffered_producers_and_consumers() {
    rt(async {
        let (tx, rx) = goro::chan::<u32>(3);
        let wg = WaitGroup::new();
        for p in 0..3 {
            let tx = tx.clone();
            wg.go(async move {
                for i in 0..10 {
                    tx.send(p * 100 + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let rx = rx.clone();
                goro::go(async move {
                    let mut got = Vec::new();
                    while let Some(v) = rx.recv().await {
                        got.push(v);
                    }
                    got
                })
            })
            .collect();
        let mut all = Vec::new();
        for c in consumers {
            all.extend(c.await.unwrap());
        }
        wg.wait().await;
        all.sort_unstable();
        let want: Vec<u32> = (0..3)
            .flat_map(|p| (0..10).map(move |i| p * 100 + i))
            .collect();
        assert_eq!(all, want);
    });
}

#[test]
fn close_releases_every_parked_sender_and_receiver() {
    rt(async {
        let (tx, rx) = goro::chan::<u32>(0);
        let (tx2, _rx2) = goro::chan::<u32>(0);
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let rx = rx.clone();
                goro::go(async move { rx.recv().await })
            })
            .collect();
        let senders: Vec<_> = (0..2)
            .map(|i| {
                let tx2 = tx2.clone();
                goro::go(async move { tx2.send(i).await.map_err(|e| e.0) })
            })
            .collect();
        goro::yield_now().await;
        tx.close();
        tx2.close();
        for r in receivers {
            assert_eq!(r.await.unwrap(), None);
        }
        let mut back = Vec::new();
        for s in senders {
            back.push(s.await.unwrap().unwrap_err());
        }
        back.sort_unstable();
        assert_eq!(back, [0, 1]);
    });
}

/// Goroutines each select between sending on one rendezvous channel and receiving
/// from it, until four values have gone through: every value sent is received
/// exactly once, never by its own select.
#[test]
fn select_send_and_recv_on_one_channel() {
    rt(async {
        let (tx, rx) = goro::chan::<u32>(0);
        let (done_tx, done_rx) = goro::chan::<()>(0);
        let wg = WaitGroup::new();
        // (value, u32::MAX) for a send, (value, receiver) for a receive.
        let (got_tx, got_rx) = goro::chan::<(u32, u32)>(256);
        for g in 0..4u32 {
            let (tx, rx, got_tx, done_rx) =
                (tx.clone(), rx.clone(), got_tx.clone(), done_rx.clone());
            wg.go(async move {
                let mut n = 0;
                loop {
                    let v = g * 1000 + n;
                    goro::select! {
                        r = tx.send(v) => {
                            r.unwrap();
                            n += 1;
                            got_tx.send((v, u32::MAX)).await.unwrap();
                        },
                        v = rx.recv() => {
                            let v = v.unwrap();
                            assert_ne!(v / 1000, g, "a select met itself");
                            got_tx.send((v, g)).await.unwrap();
                        },
                        _ = done_rx.recv() => break,
                    }
                }
            });
        }
        drop((got_tx, done_rx));
        let (mut sent, mut received) = (Vec::new(), Vec::new());
        while received.len() < 4 {
            match got_rx.recv().await.unwrap() {
                (v, u32::MAX) => sent.push(v),
                (v, _) => received.push(v),
            }
        }
        done_tx.close();
        wg.wait().await;
        while let Some((v, by)) = got_rx.recv().await {
            if by == u32::MAX {
                sent.push(v);
            } else {
                received.push(v);
            }
        }
        sent.sort_unstable();
        received.sort_unstable();
        assert_eq!(sent, received);
    });
}

/// A select parked on a receive is dropped while a sender may be committing it:
/// the value is received by the select or given back to the channel, never lost.
#[test]
fn dropped_select_gives_the_value_back() {
    rt(async {
        let (tx, rx) = goro::chan::<u32>(0);
        let (_tx2, rx2) = goro::chan::<u32>(0);
        let mut got = Vec::new();
        for i in 0..6 {
            let tx = tx.clone();
            let sender = goro::go(async move { tx.send(i).await.is_ok() });
            let sel = async {
                goro::select! {
                    v = rx.recv() => v,
                    v = rx2.recv() => v,
                }
            };
            let mut sel = Box::pin(sel);
            match poll_once(sel.as_mut()).await {
                Some(v) => got.push(v.unwrap()),
                None => {
                    goro::yield_now().await;
                    drop(sel);
                    // Whatever the sender did happened exactly once.
                    let v = goro::select! {
                        v = rx.recv() => v.unwrap(),
                        default => {
                            // Not committed yet: the sender is still parked.
                            rx.recv().await.unwrap()
                        }
                    };
                    got.push(v);
                }
            }
            assert!(sender.await.unwrap());
        }
        assert_eq!(got, [0, 1, 2, 3, 4, 5]);
    });
}

#[test]
fn select_builder_and_default() {
    rt(async {
        let (tx, rx) = goro::chan::<u32>(1);
        let mut s = goro::Select::new();
        s.recv(&rx);
        let s = s.try_select().unwrap_err();
        drop(s);
        let mut s = goro::Select::new();
        s.send(&tx, 7);
        s.recv(&rx);
        assert_eq!(s.select().await.index(), 0);
        assert_eq!(rx.try_recv(), Ok(7));
        let got = goro::select! {
            v = rx.recv() => v,
            default => None,
        };
        assert_eq!(got, None);
    });
}

/// `outliving_` tests leave threads behind them: a runtime that stops with a timer
/// armed hands the timers to goro's global runtime, and an `unblock` thread idles
/// for 10 s before it exits. Under Miri they run with the leak check off (see
/// `.ci/run`), the others with it on.
#[test]
fn outliving_select_with_a_timer() {
    rt(async {
        let (tx, rx) = goro::chan::<u32>(0);
        let timed_out = goro::select! {
            _ = rx.recv() => false,
            _ = goro::time::sleep(Duration::from_millis(1)) => true,
        };
        assert!(timed_out);
        let h = goro::go(async move { tx.send(3).await });
        let v = goro::select! {
            v = rx.recv() => v,
            _ = goro::time::sleep(Duration::from_secs(3600)) => None,
        };
        assert_eq!(v, Some(3));
        h.await.unwrap().unwrap();
    });
}

#[test]
fn mutex_under_contention() {
    rt(async {
        let m = Arc::new(Mutex::new(0u32));
        let wg = WaitGroup::new();
        for g in 0..4 {
            let m = m.clone();
            wg.go(async move {
                for i in 0..10 {
                    let mut n = m.lock().await;
                    if (g + i) % 3 == 0 {
                        goro::yield_now().await; // held across an await
                    }
                    *n += 1;
                }
            });
        }
        wg.wait().await;
        assert_eq!(*m.lock().await, 40);
    });
}

#[test]
fn mutex_lock_dropped_while_waiting() {
    rt(async {
        let m = Arc::new(Mutex::new(0u32));
        let g = m.lock().await;
        let mut waiters: Vec<_> = (0..3).map(|_| Box::pin(m.lock())).collect();
        for w in &mut waiters {
            assert!(poll_once(w.as_mut()).await.is_none());
        }
        drop(waiters.remove(1)); // cancelled while queued
        drop(g);
        for w in waiters {
            drop(w.await);
        }
        assert!(m.try_lock().is_some());
    });
}

#[test]
fn rwmutex_readers_and_writers() {
    rt(async {
        let m = Arc::new(RwMutex::new(0u32));
        let wg = WaitGroup::new();
        for g in 0..4 {
            let m = m.clone();
            wg.go(async move {
                for _ in 0..5 {
                    if g % 2 == 0 {
                        *m.write().await += 1;
                    } else {
                        let r = m.read().await;
                        assert!(*r <= 10);
                    }
                    goro::yield_now().await;
                }
            });
        }
        wg.wait().await;
        assert_eq!(*m.read().await, 10);
    });
}

#[test]
fn outliving_unblock_runs_a_job() {
    rt(async {
        let v = goro::unblock(|| 6 * 7).await;
        assert_eq!(v, 42);
    });
}

/// The goroutine snapshot reads every parked goroutine's metadata through the
/// registry (a pointer into each task allocation, checked by Miri with strict
/// provenance).
#[test]
fn snapshot_of_parked_goroutines() {
    rt(async {
        let (tx, rx) = goro::chan::<u8>(0);
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let rx = rx.clone();
                goro::go(async move { rx.recv().await })
            })
            .collect();
        let mut tries = 0;
        while goro::runtime::goroutines().len() < 2 {
            tries += 1;
            assert!(tries < 10_000, "the parked goroutines never showed");
            goro::yield_now().await;
        }
        // A listed goroutine may be between wake-ups: read, do not assert states.
        let _ = goro::runtime::dump_string();
        tx.close();
        for h in hs {
            assert_eq!(h.await.unwrap(), None);
        }
    });
}
