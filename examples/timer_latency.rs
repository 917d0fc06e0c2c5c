//! How late do timers fire under light load? Sleeps of 1..=20 ms, one at a time, and
//! 1,000 concurrent ones; prints the median and 99th percentile overshoot. It ports
//! the obvious Go measurement of `time.Sleep`'s overshoot:
//!
//! ```go
//! for i := 0; i < 200; i++ {
//!     d := time.Duration(1+i%20) * time.Millisecond
//!     t := time.Now()
//!     time.Sleep(d)
//!     late = append(late, time.Since(t)-d)
//! }
//! // then 1,000 goroutines sleeping 1..50 ms at once, joined with a WaitGroup
//! ```
//!
//! ```text
//! cargo run --release --example timer_latency
//! ```
use std::time::{Duration, Instant};

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p) as usize]
}

fn main() {
    goro::run(async {
        let mut late = Vec::new();
        for i in 0..200u64 {
            let d = Duration::from_millis(1 + i % 20);
            let t = Instant::now();
            goro::time::sleep(d).await;
            late.push(t.elapsed() - d);
        }
        println!(
            "sequential sleeps: overshoot median {:?}, p99 {:?}",
            pct(&mut late, 0.5),
            pct(&mut late, 0.99)
        );
        let hs: Vec<_> = (0..1000u64)
            .map(|i| {
                goro::go(async move {
                    let d = Duration::from_millis(1 + i % 50);
                    let t = Instant::now();
                    goro::time::sleep(d).await;
                    t.elapsed() - d
                })
            })
            .collect();
        let mut late = Vec::new();
        for h in hs {
            late.push(h.await.unwrap());
        }
        println!(
            "1,000 concurrent sleeps: overshoot median {:?}, p99 {:?}",
            pct(&mut late, 0.5),
            pct(&mut late, 0.99)
        );
    });
}
