//! W1 spawn-join (runtime issue): spawn N goroutines; each adds 1 to a shared atomic
//! counter and signals a WaitGroup; main waits; check counter == N.
//!
//! tokio and smol have no WaitGroup: their versions count down an atomic and the
//! last task signals (tokio: `Notify`, which keeps a permit; smol: an
//! `event_listener::Event`), the way their users write it.
use super::common::{Countdown, Workload, scaled, smol_main, tokio_main};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::time::Instant;

pub fn workloads() -> Vec<Workload> {
    vec![Workload {
        id: "W1",
        unit: "ns/goroutine",
        goro: w1_goro,
        tokio: w1_tokio,
        smol: w1_smol,
        extra: vec![],
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
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    let t = tokio_main(async move {
        let start = Instant::now();
        let left = Countdown::new(n);
        for _ in 0..n {
            let (c, left) = (c.clone(), left.clone());
            tokio::spawn(async move {
                c.fetch_add(1, Relaxed);
                left.done();
            });
        }
        left.wait_tokio().await;
        start.elapsed()
    });
    assert_eq!(counter.load(SeqCst), n, "W1 tokio: wrong count");
    t.as_nanos() as f64 / n as f64
}

fn w1_smol(scale: f64) -> f64 {
    let n = scaled(N, scale);
    let counter = Arc::new(AtomicUsize::new(0));
    let c = counter.clone();
    let t = smol_main(move |ex| async move {
        let start = Instant::now();
        let left = Countdown::new(n);
        for _ in 0..n {
            let (c, left) = (c.clone(), left.clone());
            ex.spawn(async move {
                c.fetch_add(1, Relaxed);
                left.done();
            })
            .detach();
        }
        left.wait_smol().await;
        start.elapsed()
    });
    assert_eq!(counter.load(SeqCst), n, "W1 smol: wrong count");
    t.as_nanos() as f64 / n as f64
}
