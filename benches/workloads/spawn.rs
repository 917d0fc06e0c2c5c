//! W1 spawn-join (runtime issue): spawn N goroutines; each adds 1 to a shared atomic
//! counter and signals a WaitGroup; main waits; check counter == N.
//!
//! tokio and smol have no WaitGroup: their versions count down an atomic and the
//! last task signals (tokio: `Notify`, which keeps a permit; smol: an
//! `event_listener::Event`), the way their users write it.
use super::common::{scaled, smol_run, tokio_rt, Workload};
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::Instant;

pub fn workloads() -> Vec<Workload> {
    vec![Workload {
        id: "W1",
        unit: "ns/goroutine",
        goro: w1_goro,
        tokio: w1_tokio,
        smol: w1_smol,
    }]
}

const N: usize = 1_000_000;

fn w1_goro(scale: f64) -> f64 {
    let n = scaled(N, scale);
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    let t = goro::run(async move {
        let start = Instant::now();
        let wg = goro::sync::WaitGroup::new();
        wg.add(n as isize);
        for _ in 0..n {
            let (c, wg) = (c.clone(), wg.clone());
            goro::go(async move {
                c.fetch_add(1, Relaxed);
                wg.done();
            });
        }
        wg.wait().await;
        start.elapsed()
    });
    assert_eq!(counter.load(SeqCst), n, "W1 goro: wrong count");
    t.as_nanos() as f64 / n as f64
}

fn w1_tokio(scale: f64) -> f64 {
    let n = scaled(N, scale);
    let rt = tokio_rt();
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    let t = rt.block_on(async move {
        let start = Instant::now();
        let left = Arc::new((AtomicUsize::new(n), tokio::sync::Notify::new()));
        for _ in 0..n {
            let (c, left) = (c.clone(), left.clone());
            tokio::spawn(async move {
                c.fetch_add(1, Relaxed);
                if left.0.fetch_sub(1, AcqRel) == 1 {
                    left.1.notify_one();
                }
            });
        }
        left.1.notified().await;
        start.elapsed()
    });
    assert_eq!(counter.load(SeqCst), n, "W1 tokio: wrong count");
    t.as_nanos() as f64 / n as f64
}

fn w1_smol(scale: f64) -> f64 {
    let n = scaled(N, scale);
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    let t = smol_run(|ex| {
        async_io::block_on(ex.run(async move {
            let start = Instant::now();
            let left = Arc::new((AtomicUsize::new(n), event_listener::Event::new()));
            for _ in 0..n {
                let (c, left) = (c.clone(), left.clone());
                ex.spawn(async move {
                    c.fetch_add(1, Relaxed);
                    if left.0.fetch_sub(1, AcqRel) == 1 {
                        left.1.notify(usize::MAX);
                    }
                })
                .detach();
            }
            loop {
                if left.0.load(Acquire) == 0 {
                    break;
                }
                event_listener::listener!(left.1 => l);
                if left.0.load(Acquire) == 0 {
                    break;
                }
                l.await;
            }
            start.elapsed()
        }))
    });
    assert_eq!(counter.load(SeqCst), n, "W1 smol: wrong count");
    t.as_nanos() as f64 / n as f64
}
