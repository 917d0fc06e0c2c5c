//! The unit tests of `mutex.rs`.

use super::*;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::task::Waker;
use std::time::{Duration, Instant};

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = Waker::from(std::sync::Arc::new(Noop));
    Pin::new(f).poll(&mut Context::from_waker(&waker))
}

/// Turns a queued `lock()` future into a starver, as a wake-up that fails after
/// 1 ms of waiting does: backdate its start, drop its listener (the wake-up) and
/// poll it again.
fn make_starver<T>(f: &mut LockFuture<'_, T>) {
    f.waiter.slow().since = Some(Instant::now() - Duration::from_millis(5));
    f.waiter.set_listener(None);
    assert!(poll_once(f).is_pending());
    assert!(f.waiter.starver());
}

/// Starvation mode: the unlock hands the lock to the oldest starver; a newcomer
/// cannot barge in; a starver dropped while the hand-off is pending passes it on.
#[test]
fn handoff_and_cancelled_starver() {
    let m = Mutex::new(0);
    let g = m.try_lock().unwrap();
    let mut a = m.lock();
    assert!(poll_once(&mut a).is_pending());
    let mut b = m.lock();
    assert!(poll_once(&mut b).is_pending());
    let mut c = m.lock(); // stays a plain waiter
    assert!(poll_once(&mut c).is_pending());
    assert_eq!(m.raw.state(), LOCKED + 3 * WAITER);
    make_starver(&mut a);
    make_starver(&mut b);
    assert_eq!(m.raw.state(), LOCKED | (2 * STARVER) | (3 * WAITER));
    drop(g); // hands off: LOCKED stays, HANDOFF set, `a` (oldest starver) woken
    assert_eq!(
        m.raw.state(),
        LOCKED | HANDOFF | (2 * STARVER) | (3 * WAITER)
    );
    assert!(m.try_lock().is_none(), "no barging in starvation mode");
    drop(a); // cancelled: claims the hand-off and passes it on to `b`
    assert_eq!(m.raw.state(), LOCKED | HANDOFF | STARVER | (2 * WAITER));
    assert!(
        poll_once(&mut c).is_pending(),
        "a plain waiter cannot claim"
    );
    let gb = match poll_once(&mut b) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("b should own the lock"),
    };
    // No starver left: normal mode again.
    assert_eq!(m.raw.state(), LOCKED | WAITER);
    drop(gb); // releases and wakes `c`
    assert_eq!(m.raw.state(), WAITER);
    let gc = match poll_once(&mut c) {
        Poll::Ready(g) => g,
        Poll::Pending => panic!("c should get the lock"),
    };
    assert_eq!(m.raw.state(), LOCKED);
    drop(gc);
    assert_eq!(m.raw.state(), 0);
    drop(b);
    drop(c);
    assert_eq!(m.raw.state(), 0);
}

/// A starver dropped when no hand-off is pending leaves starvation mode cleanly.
#[test]
fn cancelled_starver_without_handoff() {
    let m = Mutex::new(());
    let g = m.try_lock().unwrap();
    let mut a = m.lock();
    assert!(poll_once(&mut a).is_pending());
    make_starver(&mut a);
    drop(a);
    assert_eq!(m.raw.state(), LOCKED);
    drop(g);
    assert_eq!(m.raw.state(), 0);
}

/// Runs `f` on a thread; fails if it takes more than `secs` seconds (a hang).
fn within(secs: u64, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let h = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(()) => h.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(h.join().unwrap_err())
        }
        Err(_) => panic!("did not finish within {secs} s (hang?)"),
    }
}

/// Stress: six threads lock, hold briefly, and often give up waiting after a
/// random 0-6 ms, so waiters are cancelled in every state (queued, woken, starving
/// with a hand-off pending); the waits park the thread, so wake-ups are slow and
/// starvation mode is entered hundreds of times. Mutual exclusion holds, every
/// acquisition is counted, and the state ends at zero (no count left behind).
#[test]
fn stress_with_cancellation() {
    within(30, || {
        let m = Arc::new(Mutex::new(0u64));
        let inside = Arc::new(AtomicUsize::new(0));
        let acquired = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..6u64)
            .map(|t| {
                let (m, inside, acquired) = (m.clone(), inside.clone(), acquired.clone());
                std::thread::spawn(move || {
                    let mut rng = t * 7919 + 1;
                    let deadline = Instant::now() + Duration::from_millis(300);
                    while Instant::now() < deadline {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        let patience = Duration::from_micros(rng % 6000);
                        let got = futures_lite::future::block_on(futures_lite::future::or(
                            async { Some(m.lock().await) },
                            async {
                                crate::time::sleep(patience).await;
                                None
                            },
                        ));
                        if let Some(mut g) = got {
                            assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                            *g += 1;
                            acquired.fetch_add(1, Ordering::SeqCst);
                            let hold = Instant::now();
                            while hold.elapsed() < Duration::from_micros(rng % 200) {
                                std::hint::spin_loop();
                            }
                            inside.fetch_sub(1, Ordering::SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let g = m.try_lock().expect("the lock must end free");
        assert_eq!(*g as usize, acquired.load(Ordering::SeqCst));
        drop(g);
        assert_eq!(m.raw.state(), 0, "no waiter or starver count left behind");
        // Typically hundreds; printed (not asserted) so that a quiet run cannot fail.
        eprintln!("hand-offs so far: {}", HANDOFFS.load(Ordering::SeqCst));
    });
}

/// A registered waiter that is dropped leaves the count and the lock consistent.
#[test]
fn cancelled_waiter_deregisters() {
    let m = Mutex::new(());
    let g = m.try_lock().unwrap();
    let mut a = m.lock();
    assert!(poll_once(&mut a).is_pending());
    assert_eq!(m.raw.state(), LOCKED + WAITER);
    drop(a);
    assert_eq!(m.raw.state(), LOCKED);
    drop(g);
    assert_eq!(m.raw.state(), 0);
}
