//! goro::sync::Semaphore.
mod common;

use common::{poll_once, run_within, within};
use goro::atomic::Int64;
use goro::sync::{Semaphore, WaitGroup};
use std::sync::Arc;
use std::task::Poll;

/// Waiters are served in arrival order; a large request is not overtaken by later
/// small ones even when they would fit.
#[test]
fn fifo_large_request_not_starved() {
    let sem = Semaphore::new(10);
    let held = sem.try_acquire(8).unwrap();
    let mut big = sem.acquire(10);
    assert!(poll_once(&mut big).is_pending());
    // Two permits are free, but the big request is queued first.
    assert!(sem.try_acquire(1).is_none());
    let mut small = sem.acquire(1);
    assert!(poll_once(&mut small).is_pending());
    drop(held);
    let big_permit = match poll_once(&mut big) {
        Poll::Ready(p) => p,
        Poll::Pending => panic!("the large request is first in line"),
    };
    assert!(poll_once(&mut small).is_pending());
    drop(big_permit);
    assert!(poll_once(&mut small).is_ready());
}

/// Order of service follows order of arrival.
#[test]
fn fifo_order() {
    let sem = Semaphore::new(1);
    let first = sem.try_acquire(1).unwrap();
    let mut waiters: Vec<_> = (0..5).map(|_| Box::pin(sem.acquire(1))).collect();
    for w in &mut waiters {
        assert!(poll_once(w).is_pending());
    }
    drop(first);
    for i in 0..5 {
        let p = match poll_once(&mut waiters[i]) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!("waiter {i} should be next"),
        };
        for later in waiters.iter_mut().skip(i + 1) {
            assert!(poll_once(later).is_pending());
        }
        drop(p);
    }
}

/// A cancelled waiter at the head lets the ones behind it through; a granted but
/// never collected acquire gives its permits back.
#[test]
fn cancellation() {
    let sem = Semaphore::new(3);
    let held = sem.try_acquire(2).unwrap();
    let mut big = sem.acquire(3);
    assert!(poll_once(&mut big).is_pending());
    let mut small = sem.acquire(1);
    assert!(poll_once(&mut small).is_pending());
    drop(big);
    assert!(poll_once(&mut small).is_ready());
    drop(held);
    assert_eq!(sem.available(), 3);

    let held = sem.try_acquire(3).unwrap();
    let mut w = sem.acquire(2);
    assert!(poll_once(&mut w).is_pending());
    drop(held); // grants `w`
    assert_eq!(sem.available(), 1);
    drop(w); // never collected
    assert_eq!(sem.available(), 3);
    assert!(format!("{sem:?}").contains("available: 3"));
}

#[test]
fn bounds_concurrency() {
    run_within(10, async {
        let sem = Arc::new(Semaphore::new(3));
        let running = Arc::new(Int64::new(0));
        let max = Arc::new(Int64::new(0));
        let wg = WaitGroup::new();
        let hs: Vec<_> = (0..30)
            .map(|i| {
                let (sem, running, max) = (sem.clone(), running.clone(), max.clone());
                wg.go(async move {
                    let _p = sem.acquire(1 + i % 2).await;
                    let r = running.add(1);
                    let mut m = max.load();
                    while r > m && !max.compare_and_swap(m, r) {
                        m = max.load();
                    }
                    goro::yield_now().await;
                    running.add(-1);
                })
            })
            .collect();
        wg.wait().await;
        drop(hs);
        assert!(max.load() <= 3, "max concurrency {}", max.load());
        assert_eq!(sem.available(), 3);
    });
}

#[test]
fn blocking_owned_release_forget() {
    within(10, || {
        let sem = Arc::new(Semaphore::new(2));
        let p = futures_lite::future::block_on(sem.clone().acquire_owned(2));
        assert_eq!(p.permits(), 2);
        let s2 = sem.clone();
        let t = std::thread::spawn(move || s2.acquire_blocking(1).permits());
        drop(p);
        assert_eq!(t.join().unwrap(), 1);
        sem.acquire_blocking(2).forget();
        assert_eq!(sem.available(), 0);
        sem.release(2);
        assert_eq!(sem.capacity(), 2);
        let over = std::panic::catch_unwind(|| sem.release(1)).unwrap_err();
        assert_eq!(
            over.downcast_ref::<&str>().copied(),
            Some("semaphore: released more than held")
        );
    });
}

#[test]
#[should_panic(expected = "exceeds the capacity")]
fn acquire_more_than_capacity_panics() {
    let sem = Semaphore::new(1);
    drop(sem.acquire(2));
}

#[test]
fn types_are_send_sync() {
    fn assert_send<T: Send>() {}
    fn assert_sync<T: Sync>() {}
    assert_send::<Semaphore>();
    assert_sync::<Semaphore>();
    assert_send::<goro::sync::AcquireFuture<'static>>();
    assert_send::<goro::sync::SemaphorePermit<'static>>();
    assert_send::<goro::sync::OwnedSemaphorePermit>();
}
