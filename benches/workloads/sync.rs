//! W6 mutex (sync issue): G goroutines each lock a shared mutex, increment a counter
//! and unlock, K times. G = 1,000 x scale; K = 1,000 is not scaled (as in Go's version, benches/go).
use super::common::{Workload, scaled, smol_main, tokio_main};
use std::sync::Arc;
use std::time::Instant;

const G: usize = 1_000;
const K: usize = 1_000;

pub fn workloads() -> Vec<Workload> {
    vec![Workload {
        id: "W6",
        unit: "ns/lockop",
        goro: w6_goro,
        tokio: w6_tokio,
        smol: w6_smol,
        extra: vec![],
    }]
}

fn per_op(start: Instant, g: usize) -> f64 {
    start.elapsed().as_nanos() as f64 / (g * K) as f64
}

fn w6_goro(scale: f64) -> f64 {
    let g = scaled(G, scale);
    goro::run(async move {
        let start = Instant::now();
        let m = Arc::new(goro::sync::Mutex::new(0usize));
        let wg = goro::sync::WaitGroup::new();
        for _ in 0..g {
            let m = m.clone();
            wg.go(async move {
                for _ in 0..K {
                    *m.lock().await += 1;
                }
            });
        }
        wg.wait().await;
        let figure = per_op(start, g);
        assert_eq!(*m.lock().await, g * K, "W6 goro: wrong count");
        figure
    })
}

fn w6_tokio(scale: f64) -> f64 {
    let g = scaled(G, scale);
    tokio_main(async move {
        let start = Instant::now();
        let m = Arc::new(tokio::sync::Mutex::new(0usize));
        let handles: Vec<_> = (0..g)
            .map(|_| {
                let m = m.clone();
                tokio::spawn(async move {
                    for _ in 0..K {
                        *m.lock().await += 1;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        let figure = per_op(start, g);
        assert_eq!(*m.lock().await, g * K, "W6 tokio: wrong count");
        figure
    })
}

fn w6_smol(scale: f64) -> f64 {
    let g = scaled(G, scale);
    smol_main(move |ex| async move {
        let start = Instant::now();
        let m = Arc::new(async_lock::Mutex::new(0usize));
        let tasks: Vec<_> = (0..g)
            .map(|_| {
                let m = m.clone();
                ex.spawn(async move {
                    for _ in 0..K {
                        *m.lock().await += 1;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await;
        }
        let figure = per_op(start, g);
        assert_eq!(*m.lock().await, g * K, "W6 smol: wrong count");
        figure
    })
}
