//! goro::sync::Mutex.
mod common;

use common::{poll_once, run_within, within};
use goro::atomic::{Bool, Int64, Uint64};
use goro::sync::{Mutex, MutexGuard, WaitGroup};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

#[test]
fn guard_is_send_and_sync() {
    fn assert_send<T: Send>() {}
    fn assert_sync<T: Sync>() {}
    assert_send::<MutexGuard<'static, Vec<u8>>>();
    assert_sync::<MutexGuard<'static, Vec<u8>>>();
    assert_send::<Mutex<Vec<u8>>>();
    assert_sync::<Mutex<Vec<u8>>>();
    assert_send::<goro::sync::LockFuture<'static, Vec<u8>>>();
}

/// 1,000 goroutines increment a plain (non-atomic) counter under the lock; an
/// `inside` counter checks that no two are ever in the critical section together.
#[test]
fn mutual_exclusion_1000_goroutines() {
    const G: i64 = 1000;
    const K: i64 = 100;
    run_within(30, async {
        let m = Arc::new(Mutex::new(0i64));
        let inside = Arc::new(Int64::new(0));
        let wg = WaitGroup::new();
        let hs: Vec<_> = (0..G)
            .map(|_| {
                let (m, inside) = (m.clone(), inside.clone());
                wg.go(async move {
                    for _ in 0..K {
                        let mut g = m.lock().await;
                        assert_eq!(inside.add(1), 1, "two goroutines inside the lock");
                        *g += 1;
                        inside.add(-1);
                    }
                })
            })
            .collect();
        wg.wait().await;
        for h in hs {
            h.await.unwrap();
        }
        assert_eq!(*m.lock().await, G * K);
    });
}

/// Go's starvation mode: while 8 goroutines hammer the lock, another one gets it
/// after a bounded number of the hammers' critical sections.
///
/// The bound is counted in critical sections, not in time, so that a loaded machine
/// (which slows the hammers and the waiter alike) cannot make it fail: a waiter
/// becomes a starver after 1 ms of waiting (a critical section takes at least 5 us,
/// so at most about 200 of them pass meanwhile) and then gets the lock at the next
/// unlock. Without starvation mode the hammers barge in ahead of it indefinitely.
#[test]
fn starving_waiter_gets_the_lock() {
    run_within(30, async {
        let m = Arc::new(Mutex::new(0u64));
        // Critical sections entered by the hammers (read without the lock).
        let sections = Arc::new(Uint64::new(0));
        let stop = Arc::new(Bool::new(false));
        let started = WaitGroup::new();
        started.add(8);
        let hammers: Vec<_> = (0..8)
            .map(|_| {
                let (m, stop, started) = (m.clone(), stop.clone(), started.clone());
                let sections = sections.clone();
                goro::go(async move {
                    let mut first = true;
                    while !stop.load() {
                        let mut g = m.lock().await;
                        *g += 1;
                        sections.add(1);
                        // A short critical section.
                        let t = Instant::now();
                        while t.elapsed() < Duration::from_micros(5) {
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
        // Ten attempts; count the hammers' critical sections during each wait.
        let mut worst = 0;
        let mut worst_time = Duration::ZERO;
        for _ in 0..10 {
            let (t, before) = (Instant::now(), sections.load());
            let g = m.lock().await;
            worst = worst.max(sections.load() - before);
            worst_time = worst_time.max(t.elapsed());
            drop(g);
        }
        stop.store(true);
        for h in hammers {
            h.await.unwrap();
        }
        // About 200 sections in the 1 ms before the waiter starves, plus a margin for
        // the wake-ups on the way and for the waiter's thread being descheduled while
        // a hammer's runs (1,400 seen at a load average of 13 on 2 cores): 10,000 is
        // 50 ms of hammering.
        assert!(
            worst < 10_000,
            "a waiter waited through {worst} critical sections ({worst_time:?}) for a hammered lock"
        );
        assert!(*m.lock().await > 0);
    });
}

#[test]
fn try_lock_and_blocking_forms() {
    within(10, || {
        let m = Arc::new(Mutex::new(1));
        let g = m.try_lock().unwrap();
        assert!(m.try_lock().is_none());
        let m2 = m.clone();
        let t = std::thread::spawn(move || {
            *m2.lock_blocking() += 1;
        });
        drop(g);
        t.join().unwrap();
        assert_eq!(*m.lock_blocking(), 2);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        *m.lock_blocking() += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*m.lock_blocking(), 4002);
    });
}

#[test]
fn get_mut_into_inner_default_debug() {
    let mut m = Mutex::new(vec![1]);
    m.get_mut().push(2);
    assert_eq!(format!("{m:?}"), "Mutex { data: [1, 2] }");
    {
        let g = m.try_lock().unwrap();
        assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
        assert_eq!(format!("{g:?}"), "[1, 2]");
    }
    assert_eq!(m.into_inner(), vec![1, 2]);
    let d: Mutex<String> = Mutex::default();
    assert_eq!(*d.lock_blocking(), "");
    static S: Mutex<u32> = Mutex::new(7);
    assert_eq!(*S.lock_blocking(), 7);
    let u: &Mutex<[u8]> = &Mutex::new([1u8, 2, 3]);
    assert_eq!(u.lock_blocking().len(), 3);
}

/// Dropping a waiting `lock()` future gives up the wait without disturbing others.
#[test]
fn cancelled_lock_future() {
    within(10, || {
        let m = Mutex::new(0);
        let g = m.try_lock().unwrap();
        let mut a = m.lock();
        let mut b = m.lock();
        assert!(poll_once(&mut a).is_pending());
        assert!(poll_once(&mut b).is_pending());
        drop(a);
        drop(g);
        let g = futures_lite::future::block_on(b);
        drop(g);
        assert!(m.try_lock().is_some());
    });
}

/// The primitives work under any executor: plain `block_on` threads here.
#[test]
fn executor_agnostic_block_on() {
    within(10, || {
        let m = Arc::new(Mutex::new(0u32));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    futures_lite::future::block_on(async {
                        for _ in 0..500 {
                            let mut g = m.lock().await;
                            *g += 1;
                            futures_lite::future::yield_now().await;
                        }
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*m.lock_blocking(), 2000);
    });
}

/// The guard held across `.await` points while others queue.
#[test]
fn guard_held_across_await() {
    run_within(10, async {
        let m = Arc::new(Mutex::new(Vec::new()));
        let wg = WaitGroup::new();
        let hs: Vec<_> = (0..10)
            .map(|i| {
                let m = m.clone();
                wg.go(async move {
                    for k in 0..10 {
                        let mut g = m.lock().await;
                        g.push((i, k, 0));
                        goro::yield_now().await;
                        // Nobody else got in while we were suspended.
                        assert_eq!(*g.last().unwrap(), (i, k, 0));
                        g.push((i, k, 1));
                    }
                })
            })
            .collect();
        wg.wait().await;
        drop(hs);
        let v = m.lock().await;
        assert_eq!(v.len(), 200);
        for pair in v.chunks(2) {
            assert_eq!((pair[0].0, pair[0].1), (pair[1].0, pair[1].1));
        }
    });
}

/// Polling a finished `lock()` future again panics instead of locking twice.
#[test]
fn poll_after_completion_panics() {
    let m = Mutex::new(0);
    let mut f = m.lock();
    let g = match poll_once(&mut f) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("uncontended"),
    };
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(&mut f);
    }));
    assert!(again.is_err());
    drop(g);
    assert!(m.try_lock().is_some());
}
