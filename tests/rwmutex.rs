//! goro::sync::RwMutex.
mod common;

use common::{poll_once, run_within, within};
use goro::atomic::{Bool, Int64};
use goro::sync::{RwMutex, RwMutexReadGuard, RwMutexWriteGuard, WaitGroup};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

#[test]
fn guards_are_send() {
    fn assert_send<T: Send>() {}
    assert_send::<RwMutexReadGuard<'static, Vec<u8>>>();
    assert_send::<RwMutexWriteGuard<'static, Vec<u8>>>();
    assert_send::<goro::sync::ReadFuture<'static, Vec<u8>>>();
    assert_send::<goro::sync::WriteFuture<'static, Vec<u8>>>();
}

#[test]
fn readers_share_writers_exclude() {
    run_within(20, async {
        let m = Arc::new(RwMutex::new(0i64));
        let readers = Arc::new(Int64::new(0));
        let writers = Arc::new(Int64::new(0));
        let max_readers = Arc::new(Int64::new(0));
        let wg = WaitGroup::new();
        let hs: Vec<_> = (0..40)
            .map(|i| {
                let (m, readers, writers, max_readers) = (
                    m.clone(),
                    readers.clone(),
                    writers.clone(),
                    max_readers.clone(),
                );
                wg.go(async move {
                    for k in 0..50 {
                        if (i + k) % 5 == 0 {
                            let mut g = m.write().await;
                            assert_eq!(writers.add(1), 1);
                            assert_eq!(readers.load(), 0);
                            *g += 1;
                            writers.add(-1);
                        } else {
                            let g = m.read().await;
                            let r = readers.add(1);
                            let mut cur = max_readers.load();
                            while r > cur && !max_readers.compare_and_swap(cur, r) {
                                cur = max_readers.load();
                            }
                            assert_eq!(writers.load(), 0);
                            assert!(*g >= 0);
                            readers.add(-1);
                        }
                    }
                })
            })
            .collect();
        wg.wait().await;
        drop(hs);
        assert_eq!(*m.read().await, 40 * 50 / 5);
    });
}

/// Writer preference: a writer gets in while readers keep arriving.
#[test]
fn writer_not_starved_by_readers() {
    run_within(20, async {
        let m = Arc::new(RwMutex::new(0u64));
        let stop = Arc::new(Bool::new(false));
        let started = WaitGroup::new();
        started.add(8);
        let readers: Vec<_> = (0..8)
            .map(|_| {
                let (m, stop, started) = (m.clone(), stop.clone(), started.clone());
                goro::go(async move {
                    let mut first = true;
                    while !stop.load() {
                        let g = m.read().await;
                        let t = Instant::now();
                        while t.elapsed() < Duration::from_micros(20) {
                            std::hint::spin_loop();
                        }
                        drop(g);
                        if first {
                            first = false;
                            started.done();
                        }
                    }
                })
            })
            .collect();
        started.wait().await;
        for _ in 0..5 {
            *m.write().await += 1;
        }
        stop.store(true);
        for r in readers {
            r.await.unwrap();
        }
        assert_eq!(*m.read().await, 5);
    });
}

/// A waiting writer blocks new readers; readers queued during a write are admitted
/// before the next writer.
#[test]
fn phases_alternate() {
    let m = RwMutex::new(0);
    let r0 = m.try_read().unwrap();
    let mut w1 = m.write();
    assert!(poll_once(&mut w1).is_pending()); // draining r0
    assert!(
        m.try_read().is_none(),
        "a waiting writer must block new readers"
    );
    let mut r1 = m.read();
    assert!(poll_once(&mut r1).is_pending());
    drop(r0);
    let g1 = match poll_once(&mut w1) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("writer should be in"),
    };
    let mut w2 = m.write();
    assert!(poll_once(&mut w2).is_pending());
    drop(g1);
    // r1 queued during w1's phase: admitted before w2.
    let gr1 = match poll_once(&mut r1) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("queued reader should be admitted"),
    };
    assert!(poll_once(&mut w2).is_pending());
    drop(gr1);
    let g2 = match poll_once(&mut w2) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("second writer should be in"),
    };
    drop(g2);
    assert!(m.try_write().is_some());
}

/// Dropped waits leave the lock consistent.
#[test]
fn cancelled_waits() {
    let m = RwMutex::new(0);
    // A queued reader that gives up.
    let w = m.try_write().unwrap();
    let mut r = m.read();
    assert!(poll_once(&mut r).is_pending());
    drop(r);
    drop(w);
    assert!(m.try_write().is_some());
    // A reader admitted but dropped before it was polled again.
    let w = m.try_write().unwrap();
    let mut r = m.read();
    assert!(poll_once(&mut r).is_pending());
    drop(w);
    drop(r);
    assert!(m.try_write().is_some());
    // A writer that gives up while draining readers re-admits queued readers.
    let r0 = m.try_read().unwrap();
    let mut w = m.write();
    assert!(poll_once(&mut w).is_pending());
    let mut r1 = m.read();
    assert!(poll_once(&mut r1).is_pending());
    drop(w);
    assert!(poll_once(&mut r1).is_ready());
    drop(r0);
    drop(r1);
    // A writer waiting for another writer that gives up.
    let g = m.try_write().unwrap();
    let mut w = m.write();
    assert!(poll_once(&mut w).is_pending());
    drop(w);
    drop(g);
    assert!(m.try_write().is_some());
    assert!(m.try_read().is_some());
}

#[test]
fn blocking_forms_from_threads() {
    within(10, || {
        let m = Arc::new(RwMutex::new(0));
        let ths: Vec<_> = (0..4)
            .map(|i| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        if i % 2 == 0 {
                            *m.write_blocking() += 1;
                        } else {
                            assert!(*m.read_blocking() >= 0);
                        }
                    }
                })
            })
            .collect();
        for t in ths {
            t.join().unwrap();
        }
        assert_eq!(*m.read_blocking(), 400);
    });
}

#[test]
fn misc_api() {
    let mut m = RwMutex::new(vec![1]);
    m.get_mut().push(2);
    assert_eq!(format!("{m:?}"), "RwMutex { data: [1, 2] }");
    {
        let _w = m.try_write().unwrap();
        assert_eq!(format!("{m:?}"), "RwMutex { data: <locked> }");
    }
    {
        let r = m.try_read().unwrap();
        assert_eq!(format!("{r:?}"), "[1, 2]");
    }
    assert_eq!(m.into_inner(), vec![1, 2]);
    let d: RwMutex<u8> = RwMutex::default();
    assert_eq!(*d.read_blocking(), 0);
}

/// Polling a finished `read()`/`write()` future again panics instead of locking twice.
#[test]
fn poll_after_completion_panics() {
    let m = RwMutex::new(0);
    let mut w = m.write();
    let g = match poll_once(&mut w) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("uncontended"),
    };
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut w);
    }));
    assert!(again.is_err());
    drop(g);
    drop(w);
    let mut r = m.read();
    let g = match poll_once(&mut r) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("uncontended"),
    };
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut r);
    }));
    assert!(again.is_err());
    drop(g);
    drop(r);
    assert!(m.try_write().is_some());
}
