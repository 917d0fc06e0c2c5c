//! The unit tests of `rwmutex.rs`.

use super::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Stress: six threads take read or write locks at random and often give up
/// waiting after a random 0-4 ms (cancelling queued readers, admitted-but-unpolled
/// readers, writers waiting for the writers' mutex and writers draining readers).
/// Writers are exclusive, readers never overlap a writer, every write is counted,
/// and the state ends idle.
#[test]
fn stress_with_cancellation() {
    let (tx, rx) = std::sync::mpsc::channel();
    let m = Arc::new(RwMutex::new(0u64));
    let m2 = m.clone();
    std::thread::spawn(move || {
        let readers = Arc::new(AtomicUsize::new(0));
        let writers = Arc::new(AtomicUsize::new(0));
        let writes = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..6u64)
            .map(|t| {
                let (m, readers, writers, writes) =
                    (m2.clone(), readers.clone(), writers.clone(), writes.clone());
                std::thread::spawn(move || {
                    let mut rng = t * 104_729 + 7;
                    let deadline = Instant::now() + Duration::from_millis(300);
                    while Instant::now() < deadline {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        let patience = Duration::from_micros(rng % 4000);
                        let hold = Duration::from_micros(rng % 150);
                        let spin = |d: Duration| {
                            let t = Instant::now();
                            while t.elapsed() < d {
                                std::hint::spin_loop();
                            }
                        };
                        let timeout = async {
                            crate::time::sleep(patience).await;
                        };
                        if rng % 3 == 0 {
                            let w = futures_lite::future::block_on(futures_lite::future::or(
                                async { Some(m.write().await) },
                                async {
                                    timeout.await;
                                    None
                                },
                            ));
                            if let Some(mut g) = w {
                                assert_eq!(writers.fetch_add(1, Ordering::SeqCst), 0);
                                assert_eq!(readers.load(Ordering::SeqCst), 0);
                                *g += 1;
                                writes.fetch_add(1, Ordering::SeqCst);
                                spin(hold);
                                writers.fetch_sub(1, Ordering::SeqCst);
                            }
                        } else {
                            let r = futures_lite::future::block_on(futures_lite::future::or(
                                async { Some(m.read().await) },
                                async {
                                    timeout.await;
                                    None
                                },
                            ));
                            if let Some(g) = r {
                                readers.fetch_add(1, Ordering::SeqCst);
                                assert_eq!(writers.load(Ordering::SeqCst), 0);
                                let _ = *g;
                                spin(hold);
                                readers.fetch_sub(1, Ordering::SeqCst);
                            }
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let _ = tx.send(writes.load(Ordering::SeqCst));
    });
    let writes = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("stress test hung or panicked");
    assert_eq!(*m.try_read().expect("lock must end free") as usize, writes);
    let s = m.raw.state.load(Ordering::SeqCst);
    assert_eq!(s & !(u64::MAX << 49), 0, "state not idle: {s:#x}");
    assert!(m.try_write().is_some());
}
