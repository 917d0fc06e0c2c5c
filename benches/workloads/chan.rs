//! W2 ping-pong, W3 mpmc, W4 select4, W7 parked, W9 whispers (channels issue), for
//! goro, tokio and smol (async-executor + async-channel), as `WORKLOADS.md` defines
//! them. Each checks its result and panics when it is wrong.
//!
//! Capacity 0 for the peers: neither tokio nor async-channel has a rendezvous
//! channel, so their users take the smallest buffer: `tokio::sync::mpsc::channel(1)`
//! and `async_channel::bounded(1)`. In ping-pong and whispers each side waits for
//! the reply anyway, so the protocol is the same.
//!
//! MPMC for tokio (W3): tokio's mpsc has one consumer; tokio users share the
//! `Receiver` behind an `Arc<tokio::sync::Mutex<_>>`. The W7 gate for tokio is a
//! `watch` channel (its `Receiver` is cloneable, and dropping the sender wakes
//! every `changed()`).
use super::common::{Workload, rss_bytes, scaled, smol_main, tokio_main};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Spawns a task and gives back a future of its output: lets the goro-channel
/// workloads run on goro's runtime and, for a runtime-independent figure of the
/// channels themselves, on smol's executor (printed on stderr).
trait Spawner: Clone + Send + 'static {
    /// Spawns a task the caller does not wait for individually (detached).
    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static;
    fn spawn<F>(&self, f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

#[derive(Clone, Copy)]
struct GoroSpawn;
impl Spawner for GoroSpawn {
    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(goro::go(f)); // dropping a JoinHandle detaches
    }
    fn spawn<F>(&self, f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let h = goro::go(f);
        Box::pin(async move { h.await.unwrap() })
    }
}

#[derive(Clone, Copy)]
struct SmolSpawn(&'static async_executor::Executor<'static>);
impl Spawner for SmolSpawn {
    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.spawn(f).detach();
    }
    fn spawn<F>(&self, f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Box::pin(self.0.spawn(f))
    }
}

/// goro's channels on smol's executor (the `goro-chan@smol` runtime): a figure of
/// the channels themselves, apart from goro's scheduler.
fn on_smol<Fut>(scale: f64, body: fn(SmolSpawn, f64) -> Fut) -> f64
where
    Fut: Future<Output = f64> + Send + 'static,
{
    smol_main(move |ex| body(SmolSpawn(ex), scale))
}

pub fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            id: "W2",
            unit: "ns/roundtrip",
            goro: w2_goro,
            tokio: w2_tokio,
            smol: w2_smol,
            extra: vec![
                ("goro-chan@smol", w2_goro_on_smol),
                ("floor-poll", super::floor::w2_poll),
                ("floor-spin", super::floor::w2_spin),
                ("floor-futex", super::floor::w2_futex),
            ],
        },
        Workload {
            id: "W3",
            unit: "ns/msg",
            goro: w3_goro,
            tokio: w3_tokio,
            smol: w3_smol,
            extra: vec![
                ("goro-chan@smol", w3_goro_on_smol),
                ("floor-ring", super::floor::w3_ring),
            ],
        },
        Workload {
            id: "W4",
            unit: "ns/msg",
            goro: w4_goro,
            tokio: w4_tokio,
            smol: w4_smol,
            extra: vec![("goro-chan@smol", w4_goro_on_smol)],
        },
        Workload {
            id: "W7",
            unit: "B/goroutine",
            goro: w7_goro,
            tokio: w7_tokio,
            smol: w7_smol,
            extra: vec![],
        },
        Workload {
            id: "W9",
            unit: "ms",
            goro: w9_goro,
            tokio: w9_tokio,
            smol: w9_smol,
            extra: vec![("goro-chan@smol", w9_goro_on_smol)],
        },
    ]
}

fn ns_per(d: Duration, n: usize) -> f64 {
    d.as_nanos() as f64 / n as f64
}

// ---------------------------------------------------------------- W2 ping-pong

fn w2_check(v: u64, r: usize) {
    assert_eq!(v, r as u64, "W2: final value {v}, want {r}");
}

fn w2_goro_on_smol(scale: f64) -> f64 {
    on_smol(scale, w2_goro_body)
}

fn w2_goro(scale: f64) -> f64 {
    goro::run(w2_goro_body(GoroSpawn, scale))
}

async fn w2_goro_body<S: Spawner>(sp: S, scale: f64) -> f64 {
    let r = scaled(1_000_000, scale);
    let (ping_tx, ping_rx) = goro::chan::<u64>(0);
    let (pong_tx, pong_rx) = goro::chan::<u64>(0);
    let echo = sp.spawn(async move {
        while let Some(v) = ping_rx.recv().await {
            pong_tx.send(v + 1).await.unwrap();
        }
    });
    let start = Instant::now();
    let mut v = 0;
    for _ in 0..r {
        ping_tx.send(v).await.unwrap();
        v = pong_rx.recv().await.unwrap();
    }
    let el = start.elapsed();
    drop(ping_tx);
    echo.await;
    w2_check(v, r);
    ns_per(el, r)
}

fn w2_tokio(scale: f64) -> f64 {
    let r = scaled(1_000_000, scale);
    tokio_main(async move {
        let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<u64>(1);
        let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<u64>(1);
        let echo = tokio::spawn(async move {
            while let Some(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        });
        let start = Instant::now();
        let mut v = 0;
        for _ in 0..r {
            ping_tx.send(v).await.unwrap();
            v = pong_rx.recv().await.unwrap();
        }
        let el = start.elapsed();
        drop(ping_tx);
        echo.await.unwrap();
        w2_check(v, r);
        ns_per(el, r)
    })
}

fn w2_smol(scale: f64) -> f64 {
    let r = scaled(1_000_000, scale);
    smol_main(move |ex| async move {
        let (ping_tx, ping_rx) = async_channel::bounded::<u64>(1);
        let (pong_tx, pong_rx) = async_channel::bounded::<u64>(1);
        let echo = ex.spawn(async move {
            while let Ok(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        });
        let start = Instant::now();
        let mut v = 0;
        for _ in 0..r {
            ping_tx.send(v).await.unwrap();
            v = pong_rx.recv().await.unwrap();
        }
        let el = start.elapsed();
        drop(ping_tx);
        echo.await;
        w2_check(v, r);
        ns_per(el, r)
    })
}

// ---------------------------------------------------------------- W3 mpmc

const W3_P: usize = 4;
const W3_C: usize = 4;

fn w3_sizes(scale: f64) -> (usize, usize) {
    let per = (scaled(10_000_000, scale) / W3_P).max(1);
    (per, per * W3_P)
}

fn w3_check(total: u64, m: usize) {
    let m = m as u64;
    assert_eq!(total, m * (m - 1) / 2, "W3: wrong sum");
}

fn w3_goro_on_smol(scale: f64) -> f64 {
    on_smol(scale, w3_goro_body)
}

fn w3_goro(scale: f64) -> f64 {
    goro::run(w3_goro_body(GoroSpawn, scale))
}

async fn w3_goro_body<S: Spawner>(sp: S, scale: f64) -> f64 {
    let (per, m) = w3_sizes(scale);
    let (tx, rx) = goro::chan::<u64>(1024);
    let start = Instant::now();
    let producers: Vec<_> = (0..W3_P)
        .map(|p| {
            let tx = tx.clone();
            sp.spawn(async move {
                let base = (p * per) as u64;
                for i in 0..per as u64 {
                    tx.send(base + i).await.unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (0..W3_C)
        .map(|_| {
            let rx = rx.clone();
            sp.spawn(async move {
                let mut sum = 0u64;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                sum
            })
        })
        .collect();
    for p in producers {
        p.await;
    }
    let mut total = 0;
    for c in consumers {
        total += c.await;
    }
    let el = start.elapsed();
    w3_check(total, m);
    ns_per(el, m)
}

fn w3_tokio(scale: f64) -> f64 {
    let (per, m) = w3_sizes(scale);
    tokio_main(async move {
        let (tx, rx) = tokio::sync::mpsc::channel::<u64>(1024);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let start = Instant::now();
        let producers: Vec<_> = (0..W3_P)
            .map(|p| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let base = (p * per) as u64;
                    for i in 0..per as u64 {
                        tx.send(base + i).await.unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..W3_C)
            .map(|_| {
                let rx = rx.clone();
                tokio::spawn(async move {
                    let mut sum = 0u64;
                    loop {
                        let v = rx.lock().await.recv().await;
                        match v {
                            Some(v) => sum += v,
                            None => break sum,
                        }
                    }
                })
            })
            .collect();
        for p in producers {
            p.await.unwrap();
        }
        let mut total = 0;
        for c in consumers {
            total += c.await.unwrap();
        }
        let el = start.elapsed();
        w3_check(total, m);
        ns_per(el, m)
    })
}

fn w3_smol(scale: f64) -> f64 {
    let (per, m) = w3_sizes(scale);
    smol_main(move |ex| async move {
        let (tx, rx) = async_channel::bounded::<u64>(1024);
        let start = Instant::now();
        let producers: Vec<_> = (0..W3_P)
            .map(|p| {
                let tx = tx.clone();
                ex.spawn(async move {
                    let base = (p * per) as u64;
                    for i in 0..per as u64 {
                        tx.send(base + i).await.unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..W3_C)
            .map(|_| {
                let rx = rx.clone();
                ex.spawn(async move {
                    let mut sum = 0u64;
                    while let Ok(v) = rx.recv().await {
                        sum += v;
                    }
                    sum
                })
            })
            .collect();
        for p in producers {
            p.await;
        }
        let mut total = 0;
        for c in consumers {
            total += c.await;
        }
        let el = start.elapsed();
        w3_check(total, m);
        ns_per(el, m)
    })
}

// ---------------------------------------------------------------- W4 select4

fn w4_sizes(scale: f64) -> (usize, usize) {
    let per = (scaled(4_000_000, scale) / 4).max(1);
    (per, per * 4)
}

fn w4_check(sum: u64, count: usize, m: usize) {
    let mm = m as u64;
    assert!(
        sum == mm * (mm - 1) / 2 && count == m,
        "W4: sum {sum} count {count}, want m = {m}"
    );
}

fn w4_goro_on_smol(scale: f64) -> f64 {
    on_smol(scale, w4_goro_body)
}

fn w4_goro(scale: f64) -> f64 {
    goro::run(w4_goro_body(GoroSpawn, scale))
}

async fn w4_goro_body<S: Spawner>(sp: S, scale: f64) -> f64 {
    let (per, m) = w4_sizes(scale);
    let chans: Vec<_> = (0..4).map(|_| goro::chan::<u64>(16)).collect();
    let start = Instant::now();
    let producers: Vec<_> = chans
        .iter()
        .enumerate()
        .map(|(p, (tx, _))| {
            let tx = tx.clone();
            sp.spawn(async move {
                let base = (p * per) as u64;
                for i in 0..per as u64 {
                    tx.send(base + i).await.unwrap();
                }
                tx.close();
            })
        })
        .collect();
    let (c0, c1, c2, c3) = (&chans[0].1, &chans[1].1, &chans[2].1, &chans[3].1);
    let mut open = [true; 4];
    let (mut sum, mut count) = (0u64, 0usize);
    while open.iter().any(|&o| o) {
        let (i, v) = goro::select! {
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
    let el = start.elapsed();
    for p in producers {
        p.await;
    }
    w4_check(sum, count, m);
    ns_per(el, m)
}

fn w4_tokio(scale: f64) -> f64 {
    let (per, m) = w4_sizes(scale);
    tokio_main(async move {
        let mut txs = vec![];
        let mut rxs = vec![];
        for _ in 0..4 {
            let (tx, rx) = tokio::sync::mpsc::channel::<u64>(16);
            txs.push(tx);
            rxs.push(rx);
        }
        let start = Instant::now();
        for (p, tx) in txs.into_iter().enumerate() {
            tokio::spawn(async move {
                let base = (p * per) as u64;
                for i in 0..per as u64 {
                    tx.send(base + i).await.unwrap();
                }
            });
        }
        let [mut c0, mut c1, mut c2, mut c3]: [_; 4] = rxs.try_into().unwrap();
        let mut open = [true; 4];
        let (mut sum, mut count) = (0u64, 0usize);
        while open.iter().any(|&o| o) {
            let (i, v) = tokio::select! {
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
        let el = start.elapsed();
        w4_check(sum, count, m);
        ns_per(el, m)
    })
}

fn w4_smol(scale: f64) -> f64 {
    use futures_lite::StreamExt;
    let (per, m) = w4_sizes(scale);
    smol_main(move |ex| async move {
        let mut rxs = vec![];
        let start = Instant::now();
        for p in 0..4 {
            let (tx, rx) = async_channel::bounded::<u64>(16);
            rxs.push(rx);
            ex.spawn(async move {
                let base = (p * per) as u64;
                for i in 0..per as u64 {
                    tx.send(base + i).await.unwrap();
                }
            })
            .detach();
        }
        // smol has no select statement; its users merge the receivers
        // (streams) with `race`, which prefers neither side at random. `race`
        // never ends (it does not report both sides ended), so take exactly m
        // values and then check that every channel is closed and drained.
        let [a, b, c, d]: [_; 4] = rxs.clone().try_into().unwrap();
        let merged = futures_lite::stream::race(
            futures_lite::stream::race(a, b),
            futures_lite::stream::race(c, d),
        );
        let mut merged = std::pin::pin!(merged.take(m));
        let (mut sum, mut count) = (0u64, 0usize);
        while let Some(v) = merged.next().await {
            sum += v;
            count += 1;
        }
        for rx in &rxs {
            while !rx.is_closed() {
                futures_lite::future::yield_now().await;
            }
            assert!(rx.is_empty());
        }
        let el = start.elapsed();
        w4_check(sum, count, m);
        ns_per(el, m)
    })
}

// ---------------------------------------------------------------- W7 parked

/// Reads RSS the way Go's version does: after a short settle.
fn settled_rss() -> usize {
    std::thread::sleep(Duration::from_millis(100));
    rss_bytes()
}

fn w7_report(name: &str, n: usize, before: usize, after: usize, wake: Duration) -> f64 {
    eprintln!(
        "W7 {name}: {n} parked; VmRSS {before} -> {after}; wake-all {wake:?} ({:.1} ns/goroutine)",
        ns_per(wake, n)
    );
    after.saturating_sub(before) as f64 / n as f64
}

fn w7_goro(scale: f64) -> f64 {
    // (No goro-channels-on-smol run here: W7 runs each runtime in a fresh process,
    // and a second runtime in the same process would reuse the first one's memory.)
    goro::run(w7_goro_body(GoroSpawn, scale))
}

async fn w7_goro_body<S: Spawner>(sp: S, scale: f64) -> f64 {
    let n = scaled(1_000_000, scale);
    let (gate_tx, gate_rx) = goro::chan::<()>(0);
    let started = Arc::new(AtomicUsize::new(0));
    let woke = Arc::new(AtomicUsize::new(0));
    let (all_started_tx, all_started_rx) = goro::chan::<()>(1);
    let (all_woke_tx, all_woke_rx) = goro::chan::<()>(1);
    let before = settled_rss();
    for _ in 0..n {
        let gate = gate_rx.clone();
        let (started, woke) = (started.clone(), woke.clone());
        let (st, wt) = (all_started_tx.clone(), all_woke_tx.clone());
        sp.spawn_detached(async move {
            if started.fetch_add(1, Ordering::AcqRel) + 1 == n {
                st.try_send(()).unwrap();
            }
            drop(st);
            let r = gate.recv().await;
            assert!(r.is_none());
            if woke.fetch_add(1, Ordering::AcqRel) + 1 == n {
                wt.try_send(()).unwrap();
            }
        });
    }
    all_started_rx.recv().await.unwrap();
    let after = settled_rss();
    let start = Instant::now();
    gate_tx.close();
    all_woke_rx.recv().await.unwrap();
    let wake = start.elapsed();
    assert_eq!(woke.load(Ordering::Acquire), n, "W7: not all woke");
    w7_report("goro", n, before, after, wake)
}

fn w7_tokio(scale: f64) -> f64 {
    let n = scaled(1_000_000, scale);
    tokio_main(async move {
        let (gate_tx, gate_rx) = tokio::sync::watch::channel(());
        let started = Arc::new(AtomicUsize::new(0));
        let woke = Arc::new(AtomicUsize::new(0));
        let all_started = Arc::new(tokio::sync::Notify::new());
        let all_woke = Arc::new(tokio::sync::Notify::new());
        let before = settled_rss();
        for _ in 0..n {
            let mut gate = gate_rx.clone();
            let (started, woke) = (started.clone(), woke.clone());
            let (st, wt) = (all_started.clone(), all_woke.clone());
            tokio::spawn(async move {
                if started.fetch_add(1, Ordering::AcqRel) + 1 == n {
                    st.notify_one();
                }
                assert!(gate.changed().await.is_err());
                if woke.fetch_add(1, Ordering::AcqRel) + 1 == n {
                    wt.notify_one();
                }
            });
        }
        all_started.notified().await;
        let after = settled_rss();
        let start = Instant::now();
        drop(gate_tx);
        all_woke.notified().await;
        let wake = start.elapsed();
        assert_eq!(woke.load(Ordering::Acquire), n, "W7: not all woke");
        w7_report("tokio", n, before, after, wake)
    })
}

fn w7_smol(scale: f64) -> f64 {
    let n = scaled(1_000_000, scale);
    smol_main(move |ex| async move {
        let (gate_tx, gate_rx) = async_channel::bounded::<()>(1);
        let started = Arc::new(AtomicUsize::new(0));
        let woke = Arc::new(AtomicUsize::new(0));
        let (all_started_tx, all_started_rx) = async_channel::bounded::<()>(1);
        let (all_woke_tx, all_woke_rx) = async_channel::bounded::<()>(1);
        let before = settled_rss();
        for _ in 0..n {
            let gate = gate_rx.clone();
            let (started, woke) = (started.clone(), woke.clone());
            let (st, wt) = (all_started_tx.clone(), all_woke_tx.clone());
            ex.spawn(async move {
                if started.fetch_add(1, Ordering::AcqRel) + 1 == n {
                    st.try_send(()).unwrap();
                }
                drop(st);
                assert!(gate.recv().await.is_err());
                if woke.fetch_add(1, Ordering::AcqRel) + 1 == n {
                    wt.try_send(()).unwrap();
                }
            })
            .detach();
        }
        all_started_rx.recv().await.unwrap();
        let after = settled_rss();
        let start = Instant::now();
        drop(gate_tx);
        all_woke_rx.recv().await.unwrap();
        let wake = start.elapsed();
        assert_eq!(woke.load(Ordering::Acquire), n, "W7: not all woke");
        w7_report("smol", n, before, after, wake)
    })
}

// ---------------------------------------------------------------- W9 whispers

fn w9_check(got: u64, n: usize) {
    assert_eq!(got, n as u64 + 1, "W9: got {got}, want {}", n + 1);
}

fn w9_goro_on_smol(scale: f64) -> f64 {
    on_smol(scale, w9_goro_body)
}

fn w9_goro(scale: f64) -> f64 {
    goro::run(w9_goro_body(GoroSpawn, scale))
}

async fn w9_goro_body<S: Spawner>(sp: S, scale: f64) -> f64 {
    let n = scaled(100_000, scale);
    let start = Instant::now();
    let (leftmost_tx, leftmost_rx) = goro::chan::<u64>(0);
    let mut left = leftmost_tx;
    for _ in 0..n {
        let (right_tx, right_rx) = goro::chan::<u64>(0);
        sp.spawn_detached(async move {
            let x = right_rx.recv().await.unwrap();
            left.send(x + 1).await.unwrap();
        });
        left = right_tx;
    }
    left.send(1).await.unwrap();
    let got = leftmost_rx.recv().await.unwrap();
    let el = start.elapsed();
    w9_check(got, n);
    el.as_secs_f64() * 1e3
}

fn w9_tokio(scale: f64) -> f64 {
    let n = scaled(100_000, scale);
    tokio_main(async move {
        let start = Instant::now();
        let (leftmost_tx, mut leftmost_rx) = tokio::sync::mpsc::channel::<u64>(1);
        let mut left = leftmost_tx;
        for _ in 0..n {
            let (right_tx, mut right_rx) = tokio::sync::mpsc::channel::<u64>(1);
            tokio::spawn(async move {
                let x = right_rx.recv().await.unwrap();
                left.send(x + 1).await.unwrap();
            });
            left = right_tx;
        }
        left.send(1).await.unwrap();
        let got = leftmost_rx.recv().await.unwrap();
        let el = start.elapsed();
        w9_check(got, n);
        el.as_secs_f64() * 1e3
    })
}

fn w9_smol(scale: f64) -> f64 {
    let n = scaled(100_000, scale);
    smol_main(move |ex| async move {
        let start = Instant::now();
        let (leftmost_tx, leftmost_rx) = async_channel::bounded::<u64>(1);
        let mut left = leftmost_tx;
        for _ in 0..n {
            let (right_tx, right_rx) = async_channel::bounded::<u64>(1);
            ex.spawn(async move {
                let x = right_rx.recv().await.unwrap();
                left.send(x + 1).await.unwrap();
            })
            .detach();
            left = right_tx;
        }
        left.send(1).await.unwrap();
        let got = leftmost_rx.recv().await.unwrap();
        let el = start.elapsed();
        w9_check(got, n);
        el.as_secs_f64() * 1e3
    })
}
