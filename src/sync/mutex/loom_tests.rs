//! The loom models of `mutex.rs`.

use super::Mutex;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// Three threads lock and increment; under loom a waiter that fails after a
/// wake-up becomes a starver at once, so the hand-off path is explored. Checks mutual exclusion
/// (an `inside` counter), the final count and that the state returns to zero.
#[test]
fn handoff() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0usize));
        let inside = Arc::new(AtomicUsize::new(0));
        let ths: Vec<_> = (0..2)
            .map(|_| {
                let (m, inside) = (m.clone(), inside.clone());
                loom::thread::spawn(move || {
                    let mut g = loom::future::block_on(m.lock());
                    assert_eq!(inside.fetch_add(1, SeqCst), 0);
                    *g += 1;
                    inside.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        {
            let mut g = loom::future::block_on(m.lock());
            assert_eq!(inside.fetch_add(1, SeqCst), 0);
            *g += 1;
            inside.fetch_sub(1, SeqCst);
        }
        for t in ths {
            t.join().unwrap();
        }
        assert_eq!(*m.try_lock().unwrap(), 3);
        assert_eq!(m.raw.state.load(SeqCst), 0);
    });
}

/// A waiter that gives up (its future dropped after one poll) never strands the
/// lock: the other thread still gets it.
#[test]
fn cancel_while_waiting() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Waker};
    loom::model(|| {
        let m = Arc::new(Mutex::new(0usize));
        let m2 = m.clone();
        let t = loom::thread::spawn(move || {
            *loom::future::block_on(m2.lock()) += 1;
        });
        {
            let mut fut = m.lock();
            struct Noop;
            impl std::task::Wake for Noop {
                fn wake(self: std::sync::Arc<Self>) {}
            }
            let waker = Waker::from(std::sync::Arc::new(Noop));
            let _ = Pin::new(&mut fut).poll(&mut Context::from_waker(&waker));
            // dropped here, registered or holding the lock
        }
        t.join().unwrap();
        assert_eq!(*m.try_lock().unwrap(), 1);
        assert_eq!(m.raw.state.load(SeqCst), 0);
    });
}
