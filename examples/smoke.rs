use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
fn main() {
    let n = 1_000_000;
    let t = Instant::now();
    let c = Arc::new(AtomicUsize::new(0));
    let c2 = c.clone();
    goro::run(async move {
        let mut hs = Vec::with_capacity(n);
        for _ in 0..n {
            let c = c2.clone();
            hs.push(goro::go(async move {
                c.fetch_add(1, Ordering::Relaxed);
            }));
        }
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(c.load(Ordering::Relaxed), n);
    eprintln!("spawn+join: {:?} per goroutine", t.elapsed() / n as u32);
    let t = Instant::now();
    goro::run(async {
        let mut hs = Vec::new();
        for i in 0..10_000u64 {
            hs.push(goro::go(async move {
                goro::time::sleep(Duration::from_millis(i % 100)).await;
            }));
        }
        for h in hs {
            h.await.unwrap();
        }
    });
    eprintln!("10k sleeps up to 100ms: {:?}", t.elapsed());
    assert_eq!(goro::time::armed_timers(), 0);
}
