use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;
use std::time::Instant;
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    for _ in 0..3 {
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
        assert_eq!(counter.load(SeqCst), n);
        eprintln!("{:.1} ns/goroutine", t.as_nanos() as f64 / n as f64);
    }
}
