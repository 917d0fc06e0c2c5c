//! W5 select-timeout and W8 timers (time issue).
//!
//! W5: R times, a producer sends one value on a capacity-1 channel and the consumer
//! selects between that channel and a fresh 1 s timeout that never fires (armed and
//! dropped every time). tokio: `tokio::select!` over `mpsc::Receiver::recv` and
//! `tokio::time::sleep`; smol: `futures_lite::future::or` over
//! `async_channel::Receiver::recv` and `async_io::Timer::after`, as their users
//! write it.
//!
//! W8: N goroutines each sleep `i mod 1000` ms, then signal a WaitGroup (tokio and
//! smol: an atomic count-down whose last task signals); wall seconds.
use super::common::{Countdown, Workload, scaled, smol_main, tokio_main};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::time::{Duration, Instant};

pub fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            id: "W5",
            unit: "ns/select",
            goro: w5_goro,
            tokio: w5_tokio,
            smol: w5_smol,
            extra: vec![],
        },
        Workload {
            id: "W8",
            unit: "s",
            goro: w8_goro,
            tokio: w8_tokio,
            smol: w8_smol,
            extra: vec![],
        },
    ]
}

const R: usize = 1_000_000;
const N: usize = 1_000_000;
const TIMEOUT: Duration = Duration::from_secs(1);

fn expect_sum(who: &str, n: usize, sum: u64) {
    assert_eq!(sum, (n as u64) * (n as u64 - 1) / 2, "W5 {who}: wrong sum");
}

fn w5_goro(scale: f64) -> f64 {
    let n = scaled(R, scale);
    goro::run(async move {
        let (tx, rx) = goro::chan::<u64>(1);
        let start = Instant::now();
        goro::go(async move {
            for i in 0..n as u64 {
                tx.send(i).await.unwrap();
            }
        });
        let mut sum = 0;
        for _ in 0..n {
            goro::select! {
                v = rx.recv() => sum += v.expect("W5 goro: closed early"),
                _ = goro::time::after(TIMEOUT) => panic!("W5 goro: timeout fired"),
            }
        }
        let t = start.elapsed();
        expect_sum("goro", n, sum);
        t.as_nanos() as f64 / n as f64
    })
}

fn w5_tokio(scale: f64) -> f64 {
    let n = scaled(R, scale);
    tokio_main(async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(1);
        let start = Instant::now();
        tokio::spawn(async move {
            for i in 0..n as u64 {
                tx.send(i).await.unwrap();
            }
        });
        let mut sum = 0;
        for _ in 0..n {
            tokio::select! {
                v = rx.recv() => sum += v.expect("W5 tokio: closed early"),
                _ = tokio::time::sleep(TIMEOUT) => panic!("W5 tokio: timeout fired"),
            }
        }
        let t = start.elapsed();
        expect_sum("tokio", n, sum);
        t.as_nanos() as f64 / n as f64
    })
}

fn w5_smol(scale: f64) -> f64 {
    use futures_lite::FutureExt;
    let n = scaled(R, scale);
    smol_main(move |ex| async move {
        let (tx, rx) = async_channel::bounded::<u64>(1);
        let start = Instant::now();
        ex.spawn(async move {
            for i in 0..n as u64 {
                tx.send(i).await.unwrap();
            }
        })
        .detach();
        let mut sum = 0;
        for _ in 0..n {
            let v = async { rx.recv().await.ok() }
                .or(async {
                    async_io::Timer::after(TIMEOUT).await;
                    panic!("W5 smol: timeout fired")
                })
                .await;
            sum += v.expect("W5 smol: closed early");
        }
        let t = start.elapsed();
        expect_sum("smol", n, sum);
        t.as_nanos() as f64 / n as f64
    })
}

fn w8_goro(scale: f64) -> f64 {
    let n = scaled(N, scale);
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let t = goro::run(async move {
        let start = Instant::now();
        let wg = goro::sync::WaitGroup::new();
        wg.add(n as isize);
        for i in 0..n {
            let (wg, d) = (wg.clone(), d.clone());
            goro::go(async move {
                goro::time::sleep(Duration::from_millis((i % 1000) as u64)).await;
                d.fetch_add(1, Relaxed);
                wg.done();
            });
        }
        wg.wait().await;
        start.elapsed()
    });
    assert_eq!(done.load(SeqCst), n, "W8 goro: not every goroutine woke");
    t.as_secs_f64()
}

fn w8_tokio(scale: f64) -> f64 {
    let n = scaled(N, scale);
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let t = tokio_main(async move {
        let start = Instant::now();
        let left = Countdown::new(n);
        for i in 0..n {
            let (left, d) = (left.clone(), d.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis((i % 1000) as u64)).await;
                d.fetch_add(1, Relaxed);
                left.done();
            });
        }
        left.wait_tokio().await;
        start.elapsed()
    });
    assert_eq!(done.load(SeqCst), n, "W8 tokio: not every task woke");
    t.as_secs_f64()
}

fn w8_smol(scale: f64) -> f64 {
    let n = scaled(N, scale);
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let t = smol_main(move |ex| async move {
        let start = Instant::now();
        let left = Countdown::new(n);
        for i in 0..n {
            let (left, d) = (left.clone(), d.clone());
            ex.spawn(async move {
                async_io::Timer::after(Duration::from_millis((i % 1000) as u64)).await;
                d.fetch_add(1, Relaxed);
                left.done();
            })
            .detach();
        }
        left.wait_smol().await;
        start.elapsed()
    });
    assert_eq!(done.load(SeqCst), n, "W8 smol: not every task woke");
    t.as_secs_f64()
}
