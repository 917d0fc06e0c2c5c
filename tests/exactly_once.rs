//! Exactly-once delivery under random schedules: proptest builds random programs of
//! goroutines doing sends, receives and selects (with `default`, with `if` guards,
//! with a timer case, wrapped in a timeout, polled once and dropped) over buffered
//! and unbuffered channels, some closed half-way, and runs them on 1, 2 and 4
//! workers. Then every channel is closed and drained by several receivers, while
//! late senders are parked on it.
//!
//! The check, on the multiset of values (each value sent is unique):
//! - nothing is received twice;
//! - nothing is received that was not sent: every received value was sent by an
//!   operation that reported success, or by one that was cancelled (timed out or
//!   dropped after being polled) at a moment a partner may already have taken it
//!   (a parked send cannot tell), never by one that lost a `select!` or failed;
//! - nothing is lost: every value whose send reported success is received;
//! - the close is observed by all: every drainer sees the end of the channel and
//!   every late sender returns (with `Ok` or with its value back).
//!
//! Every run is bounded by a watchdog (a hang is a failure, and the runtime's
//! deadlock detector reports one with a dump).
mod common;

use std::collections::HashSet;
use std::time::Duration;

use futures_lite::future::poll_once;
use goro::chan::TrySendError;
use goro::time::{sleep, timeout};
use goro::{Receiver, Select, Selected, Sender};
use proptest::prelude::*;
use std::future::Future;

/// How an operation waits.
#[derive(Debug, Clone, Copy)]
enum How {
    /// `try_send`/`try_recv`, `select!` with `default`, `Select::try_select`.
    Default,
    /// A `select!` with a `sleep(µs)` case (`Select`: wrapped in a timeout).
    Timer(u16),
    /// Wrapped in `time::timeout(µs, ..)`.
    Timeout(u16),
    /// Polled once; if pending, dropped after a `yield_now` (time for a partner to
    /// commit it first).
    Dropped,
}

#[derive(Debug, Clone)]
enum Step {
    Send(usize, How),
    Recv(usize, How),
    /// `select!` { send on `a`, if `ga`; recv from `b`, if `gb`; .. }.
    Select2 {
        a: usize,
        ga: bool,
        b: usize,
        gb: bool,
        how: How,
    },
    /// A `Select` builder over several cases (`true` = send).
    SelectN(Vec<(bool, usize)>, How),
    Close(usize),
    Yield,
}

fn how() -> impl Strategy<Value = How> {
    prop_oneof![
        2 => Just(How::Default),
        3 => (0u16..1500).prop_map(How::Timer),
        3 => (0u16..1500).prop_map(How::Timeout),
        1 => Just(How::Dropped),
    ]
}

fn step(nch: usize) -> impl Strategy<Value = Step> {
    let ch = 0..nch;
    prop_oneof![
        4 => (ch.clone(), how()).prop_map(|(c, h)| Step::Send(c, h)),
        4 => (ch.clone(), how()).prop_map(|(c, h)| Step::Recv(c, h)),
        3 => (ch.clone(), any::<bool>(), ch.clone(), any::<bool>(), how())
            .prop_map(|(a, ga, b, gb, how)| Step::Select2 { a, ga, b, gb, how }),
        2 => (prop::collection::vec((any::<bool>(), ch.clone()), 1..5), how())
            .prop_map(|(cases, h)| Step::SelectN(cases, h)),
        1 => Just(Step::Yield),
        // Rare: a close ends most of the traffic on that channel.
        1 => (ch, 0u8..4).prop_filter_map("rare close", |(c, r)| (r == 0).then_some(Step::Close(c))),
    ]
}

#[derive(Debug, Clone)]
struct Program {
    caps: Vec<usize>,
    goroutines: Vec<Vec<Step>>,
}

fn program() -> impl Strategy<Value = Program> {
    prop::collection::vec(prop_oneof![Just(0usize), Just(1), Just(2), Just(4)], 1..4)
        .prop_flat_map(|caps| {
            let n = caps.len();
            (
                Just(caps),
                prop::collection::vec(prop::collection::vec(step(n), 1..12), 2..7),
            )
        })
        .prop_map(|(caps, goroutines)| Program { caps, goroutines })
}

/// What one goroutine saw.
#[derive(Default)]
struct Log {
    /// Sends that reported success.
    sent: Vec<u64>,
    /// Sends that were cancelled after being polled: they may have happened.
    maybe: Vec<u64>,
    received: Vec<u64>,
}

/// Polls `f` once; if it is pending, yields (so that a partner may commit it) and
/// drops it.
async fn poll_yield_drop<F: Future>(f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    if let Some(v) = poll_once(f.as_mut()).await {
        return Some(v);
    }
    goro::yield_now().await;
    None
}

type Chans = Vec<(Sender<u64>, Receiver<u64>)>;

fn us(n: u16) -> Duration {
    Duration::from_micros(n as u64)
}

async fn send(tx: &Sender<u64>, v: u64, how: How, log: &mut Log) {
    match how {
        How::Default => match tx.try_send(v) {
            Ok(()) => log.sent.push(v),
            Err(TrySendError::Full(_) | TrySendError::Closed(_)) => {}
        },
        How::Timer(d) => goro::select! {
            r = tx.send(v) => if r.is_ok() { log.sent.push(v) },
            _ = sleep(us(d)) => {},
        },
        How::Timeout(d) => match timeout(us(d), tx.send(v)).await {
            Ok(Ok(())) => log.sent.push(v),
            Ok(Err(_)) => {}
            Err(_) => log.maybe.push(v),
        },
        How::Dropped => match poll_yield_drop(tx.send(v)).await {
            Some(Ok(())) => log.sent.push(v),
            Some(Err(_)) => {}
            None => log.maybe.push(v),
        },
    }
}

async fn recv(rx: &Receiver<u64>, how: How, log: &mut Log) {
    let got = match how {
        How::Default => rx.try_recv().ok(),
        How::Timer(d) => goro::select! {
            v = rx.recv() => v,
            _ = sleep(us(d)) => None,
        },
        How::Timeout(d) => timeout(us(d), rx.recv()).await.ok().flatten(),
        How::Dropped => poll_yield_drop(rx.recv()).await.flatten(),
    };
    log.received.extend(got);
}

/// Records the outcome of a `select!` or `Select`.
fn record(sel: Selected<u64>, sent_value: &[u64], log: &mut Log) {
    match sel {
        Selected::Recv { value, .. } => log.received.extend(value),
        Selected::Send { index, result } => {
            if result.is_ok() {
                log.sent.push(sent_value[index]);
            }
        }
    }
}

async fn run_step(chans: &Chans, step: &Step, next: &mut impl FnMut() -> u64, log: &mut Log) {
    match *step {
        Step::Send(c, how) => send(&chans[c].0, next(), how, log).await,
        Step::Recv(c, how) => recv(&chans[c].1, how, log).await,
        Step::Select2 { a, ga, b, gb, how } => {
            let (tx, rx) = (&chans[a].0, &chans[b].1);
            let v = next();
            // The send case's result, or the received value.
            enum Out {
                Sent(bool),
                Got(Option<u64>),
                Nothing,
            }
            let out = match how {
                How::Default => goro::select! {
                    r = tx.send(v), if ga => Out::Sent(r.is_ok()),
                    x = rx.recv(), if gb => Out::Got(x),
                    default => Out::Nothing,
                },
                How::Timer(d) => goro::select! {
                    r = tx.send(v), if ga => Out::Sent(r.is_ok()),
                    x = rx.recv(), if gb => Out::Got(x),
                    _ = sleep(us(d)) => Out::Nothing,
                },
                How::Timeout(d) => {
                    let sel = async {
                        goro::select! {
                            r = tx.send(v), if ga => Out::Sent(r.is_ok()),
                            x = rx.recv(), if gb => Out::Got(x),
                        }
                    };
                    match timeout(us(d), sel).await {
                        Ok(out) => out,
                        Err(_) => {
                            if ga {
                                log.maybe.push(v);
                            }
                            Out::Nothing
                        }
                    }
                }
                How::Dropped => {
                    let sel = async {
                        goro::select! {
                            r = tx.send(v), if ga => Out::Sent(r.is_ok()),
                            x = rx.recv(), if gb => Out::Got(x),
                        }
                    };
                    match poll_yield_drop(sel).await {
                        Some(out) => out,
                        None => {
                            if ga {
                                log.maybe.push(v);
                            }
                            Out::Nothing
                        }
                    }
                }
            };
            match out {
                Out::Sent(true) => log.sent.push(v),
                Out::Got(x) => log.received.extend(x),
                Out::Sent(false) | Out::Nothing => {}
            }
        }
        Step::SelectN(ref cases, how) => {
            let mut s = Select::new();
            let mut values = Vec::new();
            for &(is_send, c) in cases {
                let v = next();
                values.push(v);
                if is_send {
                    s.send(&chans[c].0, v);
                } else {
                    s.recv(&chans[c].1);
                }
            }
            let sends = || {
                cases
                    .iter()
                    .zip(&values)
                    .filter(|((is_send, _), _)| *is_send)
                    .map(|(_, &v)| v)
            };
            match how {
                How::Default => {
                    if let Ok(sel) = s.try_select() {
                        record(sel, &values, log);
                    }
                }
                How::Timer(d) | How::Timeout(d) => match timeout(us(d), s.select()).await {
                    Ok(sel) => record(sel, &values, log),
                    Err(_) => log.maybe.extend(sends()),
                },
                How::Dropped => match poll_yield_drop(s.select()).await {
                    Some(sel) => record(sel, &values, log),
                    None => log.maybe.extend(sends()),
                },
            }
        }
        Step::Close(c) => {
            chans[c].0.close();
        }
        Step::Yield => goro::yield_now().await,
    }
}

fn check(p: &Program, workers: usize) -> Result<(), TestCaseError> {
    let p2 = p.clone();
    let logs: Vec<Log> = common::within(60, move || {
        let rt = goro::Runtime::builder().workers(workers).build();
        rt.block_on(async move {
            let chans: Chans = p2.caps.iter().map(|&c| goro::chan::<u64>(c)).collect();
            let mut hs = Vec::new();
            for (g, steps) in p2.goroutines.into_iter().enumerate() {
                let chans = chans.clone();
                hs.push(goro::go(async move {
                    let mut k = 0u64;
                    let mut next = move || {
                        k += 1;
                        ((g as u64) << 32) | k
                    };
                    let mut log = Log::default();
                    for s in &steps {
                        run_step(&chans, s, &mut next, &mut log).await;
                    }
                    log
                }));
            }
            let mut logs = Vec::new();
            for h in hs {
                logs.push(h.await.expect("program goroutine"));
            }
            // Close and drain: two drainers and two late (parked) senders per channel.
            let mut tail = Vec::new();
            for (c, (tx, rx)) in chans.iter().enumerate() {
                for d in 0..2u64 {
                    let rx = rx.clone();
                    tail.push(goro::go(async move {
                        let mut log = Log::default();
                        while let Some(v) = rx.recv().await {
                            log.received.push(v);
                        }
                        let _ = d;
                        log
                    }));
                    let tx = tx.clone();
                    let v = (1 << 48) | ((c as u64) << 8) | d;
                    tail.push(goro::go(async move {
                        let mut log = Log::default();
                        if tx.send(v).await.is_ok() {
                            log.sent.push(v);
                        }
                        log
                    }));
                }
            }
            for (tx, _) in &chans {
                tx.close();
            }
            for h in tail {
                logs.push(h.await.expect("drainer or late sender"));
            }
            // Closed and drained: nothing left behind.
            for (_, rx) in &chans {
                assert!(rx.try_recv().is_err());
            }
            logs
        })
    });
    let mut received = HashSet::new();
    for l in &logs {
        for &v in &l.received {
            prop_assert!(received.insert(v), "value {:#x} received twice", v);
        }
    }
    let sent: HashSet<u64> = logs.iter().flat_map(|l| l.sent.iter().copied()).collect();
    let maybe: HashSet<u64> = logs.iter().flat_map(|l| l.maybe.iter().copied()).collect();
    for v in &sent {
        prop_assert!(received.contains(v), "value {:#x} sent but lost", v);
    }
    for v in &received {
        prop_assert!(
            sent.contains(v) || maybe.contains(v),
            "value {:#x} received but never sent",
            v
        );
    }
    Ok(())
}

/// Cases per worker count (kept small: each case builds a runtime).
const CASES: u32 = 48;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn exactly_once_on_1_worker(p in program()) {
        check(&p, 1)?;
    }

    #[test]
    fn exactly_once_on_2_workers(p in program()) {
        check(&p, 2)?;
    }

    #[test]
    fn exactly_once_on_4_workers(p in program()) {
        check(&p, 4)?;
    }
}
