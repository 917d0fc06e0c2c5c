//! Loom models of the rendezvous hand-off and of the select commit protocol.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test --release --lib chan`.
//!
//! Loom explores every interleaving (up to a preemption bound) of the channel
//! lock, the commit-slot CASes and the slot accesses (through the `UnsafeCell`
//! shim, so a data race on a value is reported). The executor side (wakers)
//! is loom's `block_on`. What loom does not reach: the random poll order (fixed
//! under loom) and the intrusive list pointers (plain `Cell`s, always accessed
//! under the channel lock, which loom does model); the stress tests in
//! `tests/select.rs` cover those.

use crate::chan::{TryRecvError, chan};
use futures_lite::future::poll_once;
use loom::future::block_on;
use loom::thread;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(3);
    }
    b.check(f);
}

/// An unbuffered send completes exactly when the receiver has the value.
#[test]
fn rendezvous_handoff() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let t = thread::spawn(move || block_on(tx.send(7)));
        assert_eq!(block_on(rx.recv()), Some(7));
        assert!(t.join().unwrap().is_ok());
    });
}

/// A sender blocked on a full buffer is refilled into the buffer by a receive.
#[test]
fn buffered_refill_from_parked_sender() {
    model(|| {
        let (tx, rx) = chan::<u32>(1);
        tx.try_send(1).unwrap();
        let t = thread::spawn(move || {
            let r = block_on(tx.send(2));
            drop(tx);
            r
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        assert!(t.join().unwrap().is_ok());
    });
}

/// Close races with a parked receive and a parked send.
#[test]
fn close_races_with_waiters() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let tx2 = tx.clone();
        let t = thread::spawn(move || block_on(tx2.send(1)));
        let closer = thread::spawn(move || {
            tx.close();
        });
        let got = block_on(rx.recv());
        let sent = t.join().unwrap();
        closer.join().unwrap();
        // Either the value went through (and the send succeeded) or the send
        // failed with its value and the receive saw the close.
        match got {
            Some(1) => assert!(sent.is_ok()),
            None => assert_eq!(sent.unwrap_err().0, 1),
            other => panic!("{other:?}"),
        }
    });
}

/// Two selects compete for one unbuffered sender: exactly one gets the value.
#[test]
fn select_commit_exactly_once() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let (stop_tx, stop_rx) = chan::<u32>(0);
        let mut ts = vec![];
        for _ in 0..2 {
            let (rx, stop_rx) = (rx.clone(), stop_rx.clone());
            ts.push(thread::spawn(move || {
                block_on(async {
                    crate::select! {
                        v = rx.recv() => v,
                        _ = stop_rx.recv() => None,
                    }
                })
            }));
        }
        drop((rx, stop_rx));
        assert!(block_on(tx.send(1)).is_ok());
        stop_tx.close();
        let got: Vec<_> = ts.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(got.iter().filter(|g| **g == Some(1)).count(), 1, "{got:?}");
    });
}

/// A select offering a send races a plain receiver and a plain sender on its
/// receive case: exactly one partner completes with it.
#[test]
fn select_send_or_recv_exactly_once() {
    model(|| {
        let (tx_a, rx_a) = chan::<u32>(0);
        let (tx_b, rx_b) = chan::<u32>(0);
        // The partners keep their ends alive (a dropped end would close).
        let p1 = thread::spawn(move || (rx_a.try_recv(), rx_a));
        let p2 = thread::spawn(move || (tx_b.try_send(2).is_ok(), tx_b));
        let won = block_on(async {
            crate::select! {
                r = tx_a.send(1) => { assert!(r.is_ok()); 'a' },
                v = rx_b.recv() => { assert_eq!(v, Some(2)); 'b' },
                default => 'd',
            }
        });
        let (r1, _rx_a) = p1.join().unwrap();
        let (r2, _tx_b) = p2.join().unwrap();
        // A default select never parks, so try-partners never meet it.
        assert_eq!(won, 'd');
        assert_eq!(r1, Err(TryRecvError::Empty));
        assert!(!r2);
    });
}

/// A parked select is committed by a partner and dropped at the same time: the
/// partner's value is either received by the select or given back, never lost.
#[test]
fn select_drop_races_with_commit() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let (_tx2, rx2) = chan::<u32>(0);
        let mut fut = Box::pin(async {
            crate::select! {
                v = rx.recv() => v,
                v = rx2.recv() => v,
            }
        });
        let first = block_on(poll_once(fut.as_mut()));
        assert!(first.is_none());
        let t = thread::spawn(move || {
            let ok = tx.try_send(5).is_ok();
            (ok, tx)
        });
        drop(fut);
        let (ok, _tx) = t.join().unwrap();
        assert_eq!(ok, rx.try_recv() == Ok(5));
    });
}

/// A parked plain receive dropped while a sender commits it: no value lost.
#[test]
fn recv_drop_races_with_commit() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let mut fut = Box::pin(rx.recv());
        assert!(block_on(poll_once(fut.as_mut())).is_none());
        let t = thread::spawn(move || {
            let ok = tx.try_send(5).is_ok();
            (ok, tx)
        });
        drop(fut);
        let (ok, _tx) = t.join().unwrap();
        assert_eq!(ok, rx.try_recv() == Ok(5));
    });
}

/// A parked select with a send case and a receive case, each met by a blocking
/// partner: exactly one partner completes with it, the other is released by the
/// close afterwards and observes no effect.
#[test]
fn parked_select_two_partners() {
    model(|| {
        let (tx_a, rx_a) = chan::<u32>(0);
        let (tx_b, rx_b) = chan::<u32>(0);
        let p1 = thread::spawn(move || block_on(rx_a.recv()));
        let p2 = thread::spawn(move || block_on(tx_b.send(2)));
        let won = block_on(async {
            crate::select! {
                r = tx_a.send(1) => { assert!(r.is_ok()); 'a' },
                v = rx_b.recv() => { assert_eq!(v, Some(2)); 'b' },
            }
        });
        drop((tx_a, rx_b));
        let r1 = p1.join().unwrap();
        let r2 = p2.join().unwrap();
        if won == 'a' {
            assert_eq!(r1, Some(1));
            assert!(r2.is_err());
        } else {
            assert_eq!(r1, None);
            assert!(r2.is_ok());
        }
    });
}

/// A flag that a future waits on (a stand-in for a JoinHandle or a timer).
struct Flag {
    set: loom::sync::atomic::AtomicBool,
    waker: loom::sync::Mutex<Option<std::task::Waker>>,
}

impl Flag {
    fn set(&self) {
        self.set.store(true, loom::sync::atomic::Ordering::SeqCst);
        if let Some(w) = self.waker.lock().unwrap().take() {
            w.wake();
        }
    }
    async fn wait(&self) {
        futures_lite::future::poll_fn(|cx| {
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            if self.set.load(loom::sync::atomic::Ordering::SeqCst) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await
    }
}

/// A select over a channel receive and an arbitrary future: a partner's commit
/// of the receive and the future becoming ready race. The select reports the
/// receive exactly when the partner's send went through (never the future after a
/// commit, which would lose the value).
#[test]
fn select_future_case_vs_channel_commit() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let flag = std::sync::Arc::new(Flag {
            set: loom::sync::atomic::AtomicBool::new(false),
            waker: loom::sync::Mutex::new(None),
        });
        let f2 = flag.clone();
        let setter = thread::spawn(move || f2.set());
        let sender = thread::spawn(move || {
            let ok = tx.try_send(9).is_ok();
            (ok, tx)
        });
        let won = block_on(async {
            crate::select! {
                v = rx.recv() => v,
                _ = flag.wait() => None,
            }
        });
        setter.join().unwrap();
        let (sent, _tx) = sender.join().unwrap();
        assert_eq!(won == Some(9), sent, "won {won:?} sent {sent}");
        assert!(rx.try_recv().is_err());
    });
}

/// A select with `default` decides at one instant (the locked pass): c1 holds a
/// value; a partner fills c2 and then drains c1, so at every instant one of them
/// is ready. Under loom the poll order is fixed (first case first), so the select
/// looks at c2 first, and loom runs the partner's two moves at every point of
/// the select's looks: it never takes the default. (A select that looked at one
/// channel at a time took it when both moves fell between its two looks.)
#[test]
fn default_select_sees_one_instant() {
    model(|| {
        let (tx1, rx1) = chan::<u32>(1);
        let (tx2, rx2) = chan::<u32>(1);
        tx1.try_send(1).unwrap();
        let (rx1b, tx2b) = (rx1.clone(), tx2.clone());
        let p = thread::spawn(move || {
            tx2b.try_send(2).unwrap();
            rx1b.try_recv().ok()
        });
        let got = block_on(async {
            crate::select! {
                v = rx2.recv() => v,
                v = rx1.recv() => v,
                default => None,
            }
        });
        let drained = p.join().unwrap();
        assert!(got.is_some(), "default taken");
        // Exactly one receive of the value 1 happened.
        assert_eq!(
            usize::from(got == Some(1)) + usize::from(drained == Some(1)),
            1,
            "{got:?} {drained:?}"
        );
        drop((tx1, tx2));
    });
}

/// A select without `default` queues its cases; a partner's send on c2 meets
/// the queued case while the select is polling (and passes it over, marking it),
/// then the partner drains c1. Whatever the interleaving, the select completes
/// without losing the value or waiting forever: through pass 1, or through the
/// locked pass 2 that the mark triggers, or by the partner's commit once it waits.
#[test]
fn blocking_select_after_being_passed_over() {
    model(|| {
        let (tx1, rx1) = chan::<u32>(1);
        let (tx2, rx2) = chan::<u32>(1);
        tx1.try_send(1).unwrap();
        let (rx1b, tx2b) = (rx1.clone(), tx2.clone());
        let p = thread::spawn(move || {
            tx2b.try_send(2).unwrap();
            rx1b.try_recv().ok()
        });
        let got = block_on(async {
            crate::select! {
                v = rx2.recv() => v,
                v = rx1.recv() => v,
            }
        });
        let drained = p.join().unwrap();
        match got {
            Some(1) => {
                assert_eq!(drained, None);
                assert_eq!(rx2.try_recv(), Ok(2));
            }
            Some(2) => assert_eq!(drained, Some(1)),
            other => panic!("{other:?}"),
        }
        drop((tx1, tx2));
    });
}

/// Two selects over the same two unbuffered channels, each listing them in the
/// opposite order, each with a send case on one and a receive case on the other;
/// one waits, the other has `default`. Pass 2 takes the locks in address order,
/// so they cannot deadlock on each other; the default one either pairs with the
/// waiting one (exactly one rendezvous, in either direction) or takes the default,
/// and then the close releases the waiting one.
#[test]
fn two_selects_lock_in_address_order() {
    model(|| {
        let (tx_a, rx_a) = chan::<u32>(0);
        let (tx_b, rx_b) = chan::<u32>(0);
        let (tx_a2, rx_b2) = (tx_a.clone(), rx_b.clone());
        let t = thread::spawn(move || {
            block_on(async {
                crate::select! {
                    r = tx_a2.send(1) => if r.is_ok() { 's' } else { 'c' },
                    v = rx_b2.recv() => if v.is_some() { 'r' } else { 'c' },
                }
            })
        });
        let mine = block_on(async {
            crate::select! {
                r = tx_b.send(2) => { assert!(r.is_ok()); 's' },
                v = rx_a.recv() => { assert_eq!(v, Some(1)); 'r' },
                default => 'd',
            }
        });
        if mine == 'd' {
            tx_a.close();
            tx_b.close();
        }
        let theirs = t.join().unwrap();
        match mine {
            's' => assert_eq!(theirs, 'r'),
            'r' => assert_eq!(theirs, 's'),
            _ => assert_eq!(theirs, 'c'),
        }
        drop((rx_a, rx_b));
    });
}

/// How a select with a send case and a receive case on one channel ended.
#[derive(Debug, PartialEq)]
enum SendOrRecv {
    Sent(bool),
    Got(Option<u32>),
}

/// A select with a send case and a receive case on the same rendezvous channel.
async fn send_or_recv_same(
    tx: &crate::chan::Sender<u32>,
    rx: &crate::chan::Receiver<u32>,
) -> SendOrRecv {
    crate::select! {
        r = tx.send(1) => SendOrRecv::Sent(r.is_ok()),
        v = rx.recv() => SendOrRecv::Got(v),
    }
}

/// A select sending and receiving on one unbuffered channel never meets itself: with a
/// blocking receiver as the only partner, its send case is the one that happens
/// (whichever of the two parks first), and the receiver gets the value.
#[test]
fn select_send_and_recv_same_channel_recv_partner() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let rx2 = rx.clone();
        let partner = thread::spawn(move || block_on(rx2.recv()));
        let won = block_on(send_or_recv_same(&tx, &rx));
        assert_eq!(won, SendOrRecv::Sent(true));
        assert_eq!(partner.join().unwrap(), Some(1));
    });
}

/// The mirror image: with a blocking sender as the only partner, the select's
/// receive case happens and gets the sender's value, never its own.
#[test]
fn select_send_and_recv_same_channel_send_partner() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let tx2 = tx.clone();
        let partner = thread::spawn(move || block_on(tx2.send(2)).is_ok());
        let won = block_on(send_or_recv_same(&tx, &rx));
        assert_eq!(won, SendOrRecv::Got(Some(2)));
        assert!(partner.join().unwrap());
    });
}

/// The select parked on both cases of one rendezvous channel, met by a `try_recv`
/// and a `try_send` at once, then the channel closed: at most one partner completes
/// with the select, and then exactly with the case it reports; if neither did, the
/// close ends it with no effect.
#[test]
fn select_send_and_recv_same_channel_two_partners() {
    model(|| {
        let (tx, rx) = chan::<u32>(0);
        let (tx2, rx2) = (tx.clone(), rx.clone());
        let s = thread::spawn(move || block_on(send_or_recv_same(&tx2, &rx2)));
        let p1 = thread::spawn({
            let rx = rx.clone();
            move || rx.try_recv()
        });
        let r2 = tx.try_send(2).is_ok();
        let r1 = p1.join().unwrap();
        tx.close();
        let won = s.join().unwrap();
        match won {
            SendOrRecv::Sent(true) => {
                assert_eq!(r1, Ok(1));
                assert!(!r2);
            }
            SendOrRecv::Got(Some(v)) => {
                assert_eq!(v, 2);
                assert!(r2);
                assert!(r1.is_err());
            }
            SendOrRecv::Sent(false) | SendOrRecv::Got(None) => {
                assert!(r1.is_err());
                assert!(!r2);
            }
        }
    });
}
