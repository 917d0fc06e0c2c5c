//! Model-based property tests: a buffered channel, driven by try-operations and
//! parked/cancelled `send` futures, behaves like a `VecDeque` buffer plus a FIFO
//! of parked senders; an unbuffered channel behaves like two FIFOs of parked
//! operations, including cancellations and committed-then-dropped receives.

use goro::chan::{SendError, TryRecvError, TrySendError};
use proptest::prelude::*;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

struct Noop;
impl Wake for Noop {
    fn wake(self: Arc<Self>) {}
}

#[derive(Debug, Clone)]
enum Op {
    TrySend(u16),
    TryRecv,
    /// Start a `send` and poll it once; it parks if the buffer is full.
    StartSend(u16),
    /// Drop the n-th parked send.
    CancelSend(usize),
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<u16>().prop_map(Op::TrySend),
        4 => Just(Op::TryRecv),
        3 => any::<u16>().prop_map(Op::StartSend),
        1 => any::<usize>().prop_map(Op::CancelSend),
        1 => Just(Op::Close),
    ]
}

#[derive(Default)]
struct Model {
    cap: usize,
    buf: VecDeque<u16>,
    /// Parked senders: (id, value).
    parked: VecDeque<(usize, u16)>,
    closed: bool,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn buffered_channel_matches_vecdeque(cap in 1usize..6, ops in prop::collection::vec(op(), 1..80)) {
        let (tx, rx) = goro::chan::<u16>(cap);
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        let mut m = Model { cap, ..Model::default() };
        // Parked send futures, with the model id of each.
        let mut futs: Vec<(usize, Pin<Box<goro::SendFuture<'_, u16>>>)> = vec![];
        // Model ids of parked sends the model says have completed: id -> result.
        let mut done: Vec<(usize, Result<(), u16>)> = vec![];
        let mut next_id = 0;

        for op in ops {
            match op {
                Op::TrySend(v) => {
                    let want = if m.closed {
                        Err(TrySendError::Closed(v))
                    } else if m.buf.len() < m.cap {
                        m.buf.push_back(v);
                        Ok(())
                    } else {
                        Err(TrySendError::Full(v))
                    };
                    prop_assert_eq!(tx.try_send(v), want);
                }
                Op::TryRecv => {
                    let want = match m.buf.pop_front() {
                        Some(v) => {
                            // Refill from the first parked sender.
                            if let Some((id, pv)) = m.parked.pop_front() {
                                m.buf.push_back(pv);
                                done.push((id, Ok(())));
                            }
                            Ok(v)
                        }
                        None if m.closed => Err(TryRecvError::Closed),
                        None => Err(TryRecvError::Empty),
                    };
                    prop_assert_eq!(rx.try_recv(), want);
                }
                Op::StartSend(v) => {
                    let mut f = Box::pin(tx.send(v));
                    let got = f.as_mut().poll(&mut cx);
                    if m.closed {
                        prop_assert_eq!(got, Poll::Ready(Err(SendError(v))));
                    } else if m.buf.len() < m.cap {
                        m.buf.push_back(v);
                        prop_assert_eq!(got, Poll::Ready(Ok(())));
                    } else {
                        prop_assert!(got.is_pending());
                        m.parked.push_back((next_id, v));
                        futs.push((next_id, f));
                        next_id += 1;
                    }
                }
                Op::CancelSend(i) => {
                    // Only a send the model still has parked can be cancelled
                    // without effect.
                    if !m.parked.is_empty() {
                        let (id, _) = m.parked.remove(i % m.parked.len()).unwrap();
                        let k = futs.iter().position(|(fid, _)| *fid == id).unwrap();
                        drop(futs.remove(k));
                    }
                }
                Op::Close => {
                    let was = m.closed;
                    m.closed = true;
                    for (id, v) in m.parked.drain(..) {
                        done.push((id, Err(v)));
                    }
                    prop_assert_eq!(tx.close(), !was);
                }
            }
            // Every send the model completed is complete, with its result.
            for (id, want) in done.drain(..) {
                let k = futs.iter().position(|(fid, _)| *fid == id).unwrap();
                let (_, mut f) = futs.remove(k);
                let got = f.as_mut().poll(&mut cx);
                prop_assert_eq!(got, Poll::Ready(want.map_err(SendError)));
            }
            // The others are still parked.
            for (_, f) in futs.iter_mut() {
                prop_assert!(f.as_mut().poll(&mut cx).is_pending());
            }
            prop_assert_eq!(rx.len(), m.buf.len());
            prop_assert_eq!(rx.is_closed(), m.closed);
        }
    }
}

#[derive(Debug, Clone)]
enum UOp {
    TrySend(u16),
    TryRecv,
    StartSend(u16),
    StartRecv,
    CancelSend(usize),
    CancelRecv(usize),
    /// Commit the first parked receive with a try_send, then drop that receive
    /// before it is polled: the value must be given back, not lost.
    SendThenDropRecv(u16),
    Close,
}

fn uop() -> impl Strategy<Value = UOp> {
    prop_oneof![
        3 => any::<u16>().prop_map(UOp::TrySend),
        3 => Just(UOp::TryRecv),
        3 => any::<u16>().prop_map(UOp::StartSend),
        3 => Just(UOp::StartRecv),
        1 => any::<usize>().prop_map(UOp::CancelSend),
        1 => any::<usize>().prop_map(UOp::CancelRecv),
        1 => any::<u16>().prop_map(UOp::SendThenDropRecv),
        1 => Just(UOp::Close),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// An unbuffered channel against a model of two FIFOs of parked operations
    /// (plus the values given back by cancelled, committed receives).
    #[test]
    fn unbuffered_channel_matches_model(ops in prop::collection::vec(uop(), 1..80)) {
        let (tx, rx) = goro::chan::<u16>(0);
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        let mut closed = false;
        let mut given_back: VecDeque<u16> = VecDeque::new();
        let mut senders: VecDeque<(u16, Pin<Box<goro::SendFuture<'_, u16>>>)> = VecDeque::new();
        let mut receivers: VecDeque<Pin<Box<goro::RecvFuture<'_, u16>>>> = VecDeque::new();

        for op in ops {
            prop_assert!(senders.is_empty() || receivers.is_empty());
            match op {
                UOp::TrySend(v) => {
                    if closed {
                        prop_assert_eq!(tx.try_send(v), Err(TrySendError::Closed(v)));
                    } else if let Some(mut r) = receivers.pop_front() {
                        prop_assert_eq!(tx.try_send(v), Ok(()));
                        prop_assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(Some(v)));
                    } else {
                        prop_assert_eq!(tx.try_send(v), Err(TrySendError::Full(v)));
                    }
                }
                UOp::TryRecv => {
                    if let Some(v) = given_back.pop_front() {
                        prop_assert_eq!(rx.try_recv(), Ok(v));
                    } else if let Some((v, mut s)) = senders.pop_front() {
                        prop_assert_eq!(rx.try_recv(), Ok(v));
                        prop_assert_eq!(s.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
                    } else if closed {
                        prop_assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
                    } else {
                        prop_assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
                    }
                }
                UOp::StartSend(v) => {
                    let mut f = Box::pin(tx.send(v));
                    let got = f.as_mut().poll(&mut cx);
                    if closed {
                        prop_assert_eq!(got, Poll::Ready(Err(SendError(v))));
                    } else if let Some(mut r) = receivers.pop_front() {
                        prop_assert_eq!(got, Poll::Ready(Ok(())));
                        prop_assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(Some(v)));
                    } else {
                        prop_assert!(got.is_pending());
                        senders.push_back((v, f));
                    }
                }
                UOp::StartRecv => {
                    let mut f = Box::pin(rx.recv());
                    let got = f.as_mut().poll(&mut cx);
                    if let Some(v) = given_back.pop_front() {
                        prop_assert_eq!(got, Poll::Ready(Some(v)));
                    } else if let Some((v, mut s)) = senders.pop_front() {
                        prop_assert_eq!(got, Poll::Ready(Some(v)));
                        prop_assert_eq!(s.as_mut().poll(&mut cx), Poll::Ready(Ok(())));
                    } else if closed {
                        prop_assert_eq!(got, Poll::Ready(None));
                    } else {
                        prop_assert!(got.is_pending());
                        receivers.push_back(f);
                    }
                }
                UOp::CancelSend(i) => {
                    if !senders.is_empty() {
                        let k = i % senders.len();
                        drop(senders.remove(k));
                    }
                }
                UOp::CancelRecv(i) => {
                    if !receivers.is_empty() {
                        let k = i % receivers.len();
                        drop(receivers.remove(k));
                    }
                }
                UOp::SendThenDropRecv(v) => {
                    if !closed {
                        if let Some(r) = receivers.pop_front() {
                            prop_assert_eq!(tx.try_send(v), Ok(()));
                            drop(r);
                            // Given back: to the next parked receive, else kept
                            // at the front of the channel.
                            if let Some(mut r2) = receivers.pop_front() {
                                prop_assert_eq!(r2.as_mut().poll(&mut cx), Poll::Ready(Some(v)));
                            } else {
                                given_back.push_front(v);
                            }
                        }
                    }
                }
                UOp::Close => {
                    prop_assert_eq!(tx.close(), !closed);
                    closed = true;
                    for (v, mut s) in senders.drain(..) {
                        prop_assert_eq!(s.as_mut().poll(&mut cx), Poll::Ready(Err(SendError(v))));
                    }
                    for mut r in receivers.drain(..) {
                        prop_assert_eq!(r.as_mut().poll(&mut cx), Poll::Ready(None));
                    }
                }
            }
            for (_, s) in senders.iter_mut() {
                prop_assert!(s.as_mut().poll(&mut cx).is_pending());
            }
            for r in receivers.iter_mut() {
                prop_assert!(r.as_mut().poll(&mut cx).is_pending());
            }
            prop_assert_eq!(rx.len(), given_back.len());
        }
    }
}
