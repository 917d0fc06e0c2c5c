//! Model-based property test: a buffered channel, driven by try-operations and
//! parked/cancelled `send` futures, behaves like a `VecDeque` buffer plus a FIFO
//! of parked senders.

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
