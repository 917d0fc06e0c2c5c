//! goro::sync::{Once, OnceCell}.
mod common;

use common::{poll_once, run_within, within};
use goro::atomic::Int32;
use goro::sync::{Once, OnceCell, WaitGroup};
use std::sync::Arc;

/// Concurrent callers: the action runs once and every caller returns after it.
#[test]
fn once_runs_once_and_callers_wait() {
    run_within(10, async {
        let once = Arc::new(Once::new());
        let runs = Arc::new(Int32::new(0));
        let finished = Arc::new(Int32::new(0));
        let wg = WaitGroup::new();
        let hs: Vec<_> = (0..20)
            .map(|_| {
                let (once, runs, finished) = (once.clone(), runs.clone(), finished.clone());
                wg.go(async move {
                    once.call_once(|| async {
                        goro::yield_now().await;
                        runs.add(1);
                        finished.store(1);
                    })
                    .await;
                    // Every caller returns only after the action completed.
                    assert_eq!(finished.load(), 1);
                })
            })
            .collect();
        wg.wait().await;
        for h in hs {
            h.await.unwrap();
        }
        assert_eq!(runs.load(), 1);
        assert!(once.is_done());
    });
}

#[test]
fn once_blocking_from_threads() {
    within(10, || {
        let once = Arc::new(Once::new());
        let runs = Arc::new(Int32::new(0));
        let ths: Vec<_> = (0..8)
            .map(|_| {
                let (once, runs) = (once.clone(), runs.clone());
                std::thread::spawn(move || {
                    once.call_once_blocking(|| {
                        runs.add(1);
                    })
                })
            })
            .collect();
        for t in ths {
            t.join().unwrap();
        }
        assert_eq!(runs.load(), 1);
        assert_eq!(format!("{once:?}"), "Once { done: true }");
    });
}

/// A panicking action counts as done (Go); a cancelled one does not.
#[test]
fn once_panic_and_cancel() {
    let once = Once::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        once.call_once_blocking(|| panic!("init failed"))
    }));
    assert!(r.is_err());
    assert!(once.is_done());
    once.call_once_blocking(|| unreachable!());

    let once = Once::new();
    {
        let mut fut = Box::pin(once.call_once(futures_lite::future::pending::<()>));
        assert!(poll_once(&mut fut).is_pending());
    } // cancelled
    assert!(!once.is_done());
    let ran = Int32::new(0);
    futures_lite::future::block_on(once.call_once(|| async {
        ran.add(1);
    }));
    assert_eq!(ran.load(), 1);
}

#[test]
fn once_cell_api() {
    run_within(10, async {
        let cell = Arc::new(OnceCell::new());
        let inits = Arc::new(Int32::new(0));
        let wg = WaitGroup::new();
        let hs: Vec<_> = (0..10)
            .map(|i| {
                let (cell, inits) = (cell.clone(), inits.clone());
                wg.go(async move {
                    let v = cell
                        .get_or_init(|| async move {
                            inits.add(1);
                            goro::yield_now().await;
                            i
                        })
                        .await;
                    *v
                })
            })
            .collect();
        wg.wait().await;
        let mut seen = Vec::new();
        for h in hs {
            seen.push(h.await.unwrap());
        }
        assert_eq!(inits.load(), 1);
        assert!(seen.iter().all(|v| *v == seen[0]));
        assert_eq!(cell.get(), Some(&seen[0]));
        assert_eq!(cell.set(99), Err(99));
    });
    let c: OnceCell<String> = OnceCell::default();
    assert_eq!(format!("{c:?}"), "OnceCell(None)");
    assert_eq!(c.get_or_init_blocking(|| "x".into()), "x");
    assert_eq!(c.into_inner().as_deref(), Some("x"));
    let c = OnceCell::from(5);
    assert_eq!(c.get(), Some(&5));
    // A cancelled initialiser leaves the cell empty.
    let c: OnceCell<u8> = OnceCell::new();
    {
        let mut fut = Box::pin(c.get_or_init(futures_lite::future::pending));
        assert!(poll_once(&mut fut).is_pending());
    }
    assert!(c.get().is_none());
    assert_eq!(
        *futures_lite::future::block_on(c.get_or_init(|| async { 3 })),
        3
    );
}

/// A panicking initialiser leaves the cell empty; the next caller initialises it.
#[test]
fn once_cell_panicking_initialiser() {
    let c: OnceCell<u8> = OnceCell::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        c.get_or_init_blocking(|| panic!("init failed"));
    }));
    assert!(r.is_err());
    assert!(c.get().is_none());
    assert_eq!(*c.get_or_init_blocking(|| 7), 7);
    let c: OnceCell<u8> = OnceCell::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        futures_lite::future::block_on(c.get_or_init(|| async { panic!("async init failed") }));
    }));
    assert!(r.is_err());
    assert_eq!(
        *futures_lite::future::block_on(c.get_or_init(|| async { 8 })),
        8
    );
}
