//! Channel API tests: every item, close/drain, cancellation, many producers and
//! consumers. Every waiting test is bounded by `run_within`/`within`.

mod common;

use common::{counting_waker, poll_with, run_within, within};
use futures_lite::future;
use goro::chan::{SendError, TryRecvError, TrySendError};
use goro::{chan, go};
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

#[test]
fn buffered_basics() {
    let (tx, rx) = chan::<i32>(3);
    assert_eq!((tx.cap(), rx.cap(), tx.len(), rx.len()), (3, 3, 0, 0));
    assert!(tx.is_empty() && rx.is_empty());
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    tx.try_send(3).unwrap();
    assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
    assert_eq!(rx.len(), 3);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(!tx.is_closed() && !rx.is_closed());
}

#[test]
fn close_then_drain_and_send_on_closed_returns_value() {
    let (tx, rx) = chan::<String>(4);
    tx.try_send("a".into()).unwrap();
    tx.try_send("b".into()).unwrap();
    assert!(tx.close());
    assert!(!tx.close());
    assert!(tx.is_closed() && rx.is_closed());
    assert_eq!(
        tx.try_send("c".into()),
        Err(TrySendError::Closed("c".into()))
    );
    assert_eq!(tx.send_blocking("d".into()).unwrap_err().into_inner(), "d");
    assert_eq!(rx.recv_blocking().as_deref(), Some("a"));
    assert_eq!(rx.try_recv().as_deref(), Ok("b"));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(rx.recv_blocking(), None);
}

#[test]
fn last_sender_drop_closes() {
    let (tx, rx) = chan::<i32>(1);
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    drop(tx);
    assert!(!rx.is_closed());
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn last_receiver_drop_fails_sends_with_value() {
    let (tx, rx) = chan::<i32>(1);
    let rx2 = rx.clone();
    drop(rx);
    tx.try_send(1).unwrap();
    drop(rx2);
    assert!(tx.is_closed());
    assert_eq!(tx.try_send(2), Err(TrySendError::Closed(2)));
    assert_eq!(tx.send_blocking(3), Err(SendError(3)));
    // Unbuffered, with a parked sender: it is woken and gets its value back.
    within(10, || {
        let (tx, rx) = chan::<i32>(0);
        let t = std::thread::spawn(move || tx.send_blocking(9));
        // Wait until the sender is parked: an unbuffered try_recv would take it,
        // so just drop the receiver; either order must give the value back.
        drop(rx);
        assert_eq!(t.join().unwrap(), Err(SendError(9)));
    });
}

#[test]
fn unbuffered_try_ops_need_a_partner() {
    let (tx, rx) = chan::<i32>(0);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!((tx.cap(), tx.len()), (0, 0));
    // A parked receiver makes try_send succeed.
    let (_c, w) = counting_waker();
    let mut r = pin!(rx.recv());
    assert!(poll_with(r.as_mut(), &w).is_pending());
    assert_eq!(tx.try_send(5), Ok(()));
    assert_eq!(poll_with(r.as_mut(), &w), Poll::Ready(Some(5)));
    // A parked sender makes try_recv succeed, and completes the send.
    let mut s = pin!(tx.send(6));
    assert!(poll_with(s.as_mut(), &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(6));
    assert_eq!(poll_with(s.as_mut(), &w), Poll::Ready(Ok(())));
}

#[test]
fn unbuffered_send_completes_only_when_taken() {
    let (tx, rx) = chan::<i32>(0);
    let (c, w) = counting_waker();
    let mut s = pin!(tx.send(1));
    assert!(poll_with(s.as_mut(), &w).is_pending());
    assert!(poll_with(s.as_mut(), &w).is_pending());
    assert_eq!(c.0.load(Ordering::SeqCst), 0);
    let mut r = pin!(rx.recv());
    assert_eq!(poll_with(r.as_mut(), &w), Poll::Ready(Some(1)));
    assert_eq!(c.0.load(Ordering::SeqCst), 1, "the sender was woken");
    assert_eq!(poll_with(s.as_mut(), &w), Poll::Ready(Ok(())));
}

#[test]
fn close_wakes_parked_receivers_and_senders() {
    let (tx, rx) = chan::<i32>(0);
    let (c, w) = counting_waker();
    let mut r1 = pin!(rx.recv());
    let mut r2 = pin!(rx.recv());
    assert!(poll_with(r1.as_mut(), &w).is_pending());
    assert!(poll_with(r2.as_mut(), &w).is_pending());
    tx.close();
    assert_eq!(c.0.load(Ordering::SeqCst), 2);
    assert_eq!(poll_with(r1.as_mut(), &w), Poll::Ready(None));
    assert_eq!(poll_with(r2.as_mut(), &w), Poll::Ready(None));

    let (tx, rx) = chan::<i32>(1);
    tx.try_send(1).unwrap();
    let mut s = pin!(tx.send(2));
    assert!(poll_with(s.as_mut(), &w).is_pending());
    rx.clone().chan_close_via_sender(&tx);
    assert_eq!(poll_with(s.as_mut(), &w), Poll::Ready(Err(SendError(2))));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

trait CloseVia<T> {
    fn chan_close_via_sender(self, tx: &goro::Sender<T>);
}
impl<T> CloseVia<T> for goro::Receiver<T> {
    fn chan_close_via_sender(self, tx: &goro::Sender<T>) {
        assert!(tx.close());
    }
}

#[test]
fn fifo_across_buffer_and_parked_senders() {
    let (tx, rx) = chan::<i32>(2);
    let (_c, w) = counting_waker();
    tx.try_send(0).unwrap();
    tx.try_send(1).unwrap();
    let mut s2 = pin!(tx.send(2));
    let mut s3 = pin!(tx.send(3));
    assert!(poll_with(s2.as_mut(), &w).is_pending());
    assert!(poll_with(s3.as_mut(), &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(0)); // refills from s2
    assert_eq!(poll_with(s2.as_mut(), &w), Poll::Ready(Ok(())));
    assert_eq!(rx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(poll_with(s3.as_mut(), &w), Poll::Ready(Ok(())));
}

#[test]
fn dropped_recv_future_loses_nothing() {
    // Dropped while parked, before any sender: no effect.
    let (tx, rx) = chan::<i32>(0);
    let (_c, w) = counting_waker();
    {
        let mut r = pin!(rx.recv());
        assert!(poll_with(r.as_mut(), &w).is_pending());
    }
    assert_eq!(
        tx.try_send(1),
        Err(TrySendError::Full(1)),
        "no receiver left"
    );

    // Committed by a sender, then dropped before it looked: the value goes back.
    {
        let mut r = pin!(rx.recv());
        assert!(poll_with(r.as_mut(), &w).is_pending());
        assert_eq!(tx.try_send(7), Ok(()));
    }
    assert_eq!(rx.try_recv(), Ok(7));

    // ... to another parked receiver first.
    {
        let mut r1 = Box::pin(rx.recv());
        let mut r2 = pin!(rx.recv());
        assert!(poll_with(r1.as_mut(), &w).is_pending());
        assert!(poll_with(r2.as_mut(), &w).is_pending());
        assert_eq!(tx.try_send(8), Ok(())); // to r1
        drop(r1);
        assert_eq!(poll_with(r2.as_mut(), &w), Poll::Ready(Some(8)));
    }
}

#[test]
fn dropped_send_future_delivers_nothing() {
    let (tx, rx) = chan::<i32>(0);
    let (_c, w) = counting_waker();
    {
        let mut s = pin!(tx.send(1));
        assert!(poll_with(s.as_mut(), &w).is_pending());
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    let (tx, rx) = chan::<i32>(1);
    tx.try_send(0).unwrap();
    {
        let mut s = pin!(tx.send(1));
        assert!(poll_with(s.as_mut(), &w).is_pending());
    }
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn stream_ranges_until_closed() {
    use futures_lite::StreamExt;
    let v = run_within(10, async {
        let (tx, mut rx) = chan::<u32>(0);
        let h = go(async move {
            for i in 0..10 {
                tx.send(i).await.unwrap();
            }
        });
        let mut got = vec![];
        while let Some(v) = rx.next().await {
            got.push(v);
        }
        h.await.unwrap();
        got
    });
    assert_eq!(v, (0..10).collect::<Vec<_>>());
}

#[test]
fn stream_drop_while_parked_is_clean() {
    use futures_core::Stream;
    let (tx, mut rx) = chan::<u32>(0);
    let (_c, w) = counting_waker();
    assert!(
        std::pin::Pin::new(&mut rx)
            .poll_next(&mut Context::from_waker(&w))
            .is_pending()
    );
    let rx2 = rx.clone();
    drop(rx);
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    drop(rx2);
}

#[test]
fn blocking_ops_across_threads() {
    within(10, || {
        let (tx, rx) = chan::<u64>(0);
        let t = std::thread::spawn(move || {
            for i in 0..1000 {
                tx.send_blocking(i).unwrap();
            }
        });
        let mut sum = 0;
        while let Some(v) = rx.recv_blocking() {
            sum += v;
        }
        t.join().unwrap();
        assert_eq!(sum, 999 * 1000 / 2);
    });
}

#[test]
fn works_on_other_executors() {
    within(10, || {
        let (tx, rx) = chan::<i32>(0);
        let t = std::thread::spawn(move || future::block_on(tx.send(1)));
        assert_eq!(future::block_on(rx.recv()), Some(1));
        t.join().unwrap().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, rx) = chan::<i32>(0);
            let h = tokio::spawn(async move { rx.recv().await });
            tx.send(3).await.unwrap();
            assert_eq!(h.await.unwrap(), Some(3));
        });
    });
}

#[test]
fn recv_future_is_small() {
    let (_tx, rx) = chan::<()>(0);
    let f = rx.recv();
    let size = std::mem::size_of_val(&f);
    assert!(size <= 64, "recv future is {size} bytes");
}

/// `producers` x `consumers`, `per` values each, through `cap`: every value
/// exactly once.
fn mpmc(producers: usize, consumers: usize, per: usize, cap: usize) {
    let (count, sum, seen) = run_within(60, async move {
        let (tx, rx) = chan::<usize>(cap);
        let mut ps = vec![];
        for p in 0..producers {
            let tx = tx.clone();
            ps.push(go(async move {
                for i in 0..per {
                    tx.send(p * per + i).await.unwrap();
                }
            }));
        }
        drop(tx);
        let mut cs = vec![];
        for _ in 0..consumers {
            let rx = rx.clone();
            cs.push(go(async move {
                let mut got = vec![];
                while let Some(v) = rx.recv().await {
                    got.push(v);
                }
                got
            }));
        }
        drop(rx);
        for p in ps {
            p.await.unwrap();
        }
        let mut seen = vec![false; producers * per];
        let (mut count, mut sum) = (0usize, 0usize);
        for c in cs {
            for v in c.await.unwrap() {
                assert!(!seen[v], "duplicate {v}");
                seen[v] = true;
                count += 1;
                sum += v;
            }
        }
        (count, sum, seen)
    });
    let n = producers * per;
    assert_eq!(count, n);
    assert_eq!(sum, n * (n - 1) / 2);
    assert!(seen.iter().all(|&s| s));
}

#[test]
fn mpmc_buffered_8x8() {
    mpmc(8, 8, 10_000, 16);
}

#[test]
fn mpmc_unbuffered_8x8() {
    mpmc(8, 8, 2_500, 0);
}

#[test]
#[ignore = "full size; run in release: cargo test --release --test chan -- --ignored"]
fn mpmc_full_size() {
    mpmc(8, 8, 100_000, 0);
    mpmc(8, 8, 100_000, 64);
}

#[test]
fn ends_and_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<goro::Sender<String>>();
    send_sync::<goro::Receiver<String>>();
    send_sync::<goro::RecvFuture<'static, String>>();
    send_sync::<goro::SendFuture<'static, String>>();
    send_sync::<goro::chan::OwnedRecvFuture<String>>();
    send_sync::<goro::SelectFuture<'static, String>>();
    fn unpin<T: Unpin>() {}
    unpin::<goro::Sender<String>>();
    unpin::<goro::Receiver<String>>();
}

#[test]
fn given_back_value_keeps_fifo_order_in_a_full_buffer() {
    let (tx, rx) = chan::<i32>(1);
    let (_c, w) = counting_waker();
    {
        let mut r = Box::pin(rx.recv());
        assert!(poll_with(r.as_mut(), &w).is_pending());
        assert_eq!(tx.try_send(1), Ok(())); // handed to the parked receive
        assert_eq!(tx.try_send(2), Ok(())); // buffered
        assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
        // dropped without looking: 1 goes back in front of 2
    }
    assert_eq!(rx.len(), 2, "cap + 1 for a moment");
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.try_send(3), Ok(()));
    assert_eq!(rx.try_recv(), Ok(3));
}
