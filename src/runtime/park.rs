//! Parking a worker thread: a token-based parker (the protocol of std's generic
//! `thread::park`), private to each worker so that user code calling
//! `thread::park` inside a goroutine can never eat a scheduler wake-up.
//!
//! `unpark` before `park` makes the next `park` return at once; several `unpark`s
//! before a `park` count as one; `park` may return spuriously, and callers re-check
//! their condition.

use crate::loom::sync::atomic::{AtomicU8, Ordering::SeqCst};
use crate::loom::sync::{Condvar, Mutex};
use std::time::Instant;

const EMPTY: u8 = 0;
const PARKED: u8 = 1;
const NOTIFIED: u8 = 2;
/// Waiting in the reactor's `epoll_wait` (woken through its eventfd).
#[cfg(goro_epoll)]
const PARKED_IO: u8 = 3;

/// Wakes a worker parked in the reactor (`park_io`): given by the reactor when it
/// starts, so that parking imports nothing of the reactor above it.
#[cfg(goro_epoll)]
static IO_WAKE: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets how a worker parked in the reactor is woken (once, by the reactor).
#[cfg(goro_epoll)]
pub(crate) fn set_io_wake(wake: fn()) {
    let _ = IO_WAKE.set(wake);
}

pub(crate) struct Parker {
    state: AtomicU8,
    lock: Mutex<()>,
    cvar: Condvar,
    /// The waker of [`park_in_reactor`](Parker::park_in_reactor) while it waits.
    #[cfg(all(feature = "net", not(goro_epoll), not(loom)))]
    waker: Mutex<Option<std::task::Waker>>,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker {
            state: AtomicU8::new(EMPTY),
            lock: Mutex::new(()),
            cvar: Condvar::new(),
            #[cfg(all(feature = "net", not(goro_epoll), not(loom)))]
            waker: Mutex::new(None),
        }
    }

    /// Blocks until [`unpark`](Self::unpark) or `deadline` (if any).
    #[cfg_attr(
        all(feature = "net", not(goro_epoll), not(loom), not(test)),
        allow(dead_code)
    )]
    pub(crate) fn park(&self, deadline: Option<Instant>) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        let mut g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if self
            .state
            .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
            .is_err()
        {
            // Notified between the first check and taking the lock.
            self.state.store(EMPTY, SeqCst);
            return;
        }
        loop {
            g = match deadline {
                None => self.cvar.wait(g).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        // Timed out: consume a racing notification too, it is stale.
                        self.state.store(EMPTY, SeqCst);
                        return;
                    }
                    self.cvar
                        .wait_timeout(g, d - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Like [`park`](Self::park), but while waiting this thread drives async-io's
    /// reactor if no other thread does (async-io's `block_on`), so I/O readiness
    /// wakes goroutines from a goro worker without a hop through async-io's thread.
    #[cfg(all(feature = "net", not(goro_epoll), not(loom)))]
    pub(crate) fn park_in_reactor(&self, deadline: Option<Instant>) {
        use std::task::Poll;
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        let wait = futures_lite::future::poll_fn(|cx| {
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
            match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
                Err(NOTIFIED) => {
                    self.state.store(EMPTY, SeqCst);
                    Poll::Ready(())
                }
                _ => Poll::Pending, // PARKED (now or from an earlier poll)
            }
        });
        match deadline {
            None => async_io::block_on(wait),
            Some(d) => async_io::block_on(futures_lite::future::or(wait, async {
                async_io::Timer::at(d).await;
            })),
        }
        // Timed out (or done): leave PARKED; a racing notification is consumed.
        let _ = self.state.compare_exchange(PARKED, EMPTY, SeqCst, SeqCst);
        let _ = self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst);
        self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// Waits in the reactor through `wait` (which returns on [`unpark`](Self::unpark),
    /// a deadline or I/O; see `io::reactor::park`). Returns whether it waited (false:
    /// a notification was pending, so it returned at once).
    #[cfg(goro_epoll)]
    pub(crate) fn park_io(&self, wait: impl FnOnce()) -> bool {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return false;
        }
        if self
            .state
            .compare_exchange(EMPTY, PARKED_IO, SeqCst, SeqCst)
            .is_err()
        {
            self.state.store(EMPTY, SeqCst); // notified in between
            return false;
        }
        // An `unpark` from here on calls the reactor's wake (`set_io_wake`), which
        // ends (or pre-empts) the wait.
        wait();
        // Awake: a notification that raced in is consumed (its wake at most makes a
        // later wait return early once).
        self.state.swap(EMPTY, SeqCst);
        true
    }

    /// Wakes the parked thread, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        let prev = self.state.swap(NOTIFIED, SeqCst);
        #[cfg(goro_epoll)]
        if prev == PARKED_IO {
            if let Some(wake) = IO_WAKE.get() {
                wake();
            }
            return;
        }
        if prev == PARKED {
            #[cfg(all(feature = "net", not(goro_epoll), not(loom)))]
            if let Some(w) = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take() {
                w.wake();
                return;
            }
            // Taking the lock orders us after the parker's wait began.
            drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
            self.cvar.notify_one();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn unpark_before_park_is_kept() {
        let p = Parker::new();
        p.unpark();
        p.unpark();
        p.park(None); // returns at once
        let t = Instant::now();
        p.park(Some(Instant::now() + Duration::from_millis(5))); // token consumed: times out
        assert!(t.elapsed() >= Duration::from_millis(5));
    }

    #[test]
    fn no_lost_wakeup_stress() {
        const N: usize = if cfg!(miri) { 300 } else { 20_000 };
        let p = Arc::new(Parker::new());
        let flag = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (p2, f2) = (p.clone(), flag.clone());
        let h = std::thread::spawn(move || {
            for i in 1..=N {
                while f2.load(SeqCst) < i {
                    p2.park(None);
                }
            }
        });
        for i in 1..=N {
            flag.store(i, SeqCst);
            p.unpark();
        }
        h.join().unwrap();
    }
}

/// Loom: every interleaving of `park` against `unpark` (run with
/// `RUSTFLAGS="--cfg loom" cargo test --release --lib runtime::park`).
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::sync::atomic::AtomicBool;

    /// The flag-then-unpark / check-then-park pattern every waker uses never loses
    /// the wake-up.
    #[test]
    fn no_lost_wakeup() {
        loom::model(|| {
            let p = Arc::new(Parker::new());
            let flag = Arc::new(AtomicBool::new(false));
            let (p2, f2) = (p.clone(), flag.clone());
            let t = loom::thread::spawn(move || {
                f2.store(true, SeqCst);
                p2.unpark();
            });
            while !flag.load(SeqCst) {
                p.park(None);
            }
            t.join().unwrap();
        });
    }

    /// Two unparks before one park leave at most one token.
    #[test]
    fn tokens_do_not_accumulate() {
        loom::model(|| {
            let p = Arc::new(Parker::new());
            let p2 = p.clone();
            let t = loom::thread::spawn(move || {
                p2.unpark();
                p2.unpark();
            });
            t.join().unwrap();
            p.park(None);
            assert_eq!(p.state.load(SeqCst), EMPTY);
        });
    }
}
