//! Synchronisation primitives: Go's `sync` package and `golang.org/x/sync`'s
//! `errgroup` and `semaphore`, awaitable.
//!
//! | goro | Go |
//! |------|----|
//! | [`WaitGroup`] | `sync.WaitGroup` (with Go 1.25's `WaitGroup.Go`) |
//! | [`Mutex`] | `sync.Mutex` (owning its data, like Rust's) |
//! | [`RwMutex`] | `sync.RWMutex` |
//! | [`Once`] | `sync.Once` |
//! | [`OnceCell`] | `sync.OnceValue`, as a cell |
//! | [`Semaphore`] | `x/sync/semaphore.Weighted` |
//! | [`ErrGroup`] | `x/sync/errgroup.Group` |
//!
//! Every primitive is executor-agnostic: waiting is done with plain [`Waker`]s through
//! [`event_listener`], so the futures work under any executor (goro's, tokio's,
//! `futures_lite::future::block_on`), and each blocking operation has a `_blocking`
//! form for plain threads. Every wait is cancel-safe: dropping the future gives up
//! the wait without disturbing the other waiters. Hot paths (an uncontended lock or
//! unlock, `WaitGroup::done`) are one atomic operation and never allocate.
//!
//! Each primitive's module documentation describes its algorithm, its invariants and
//! where it differs from Go.
//!
//! [`Waker`]: std::task::Waker

mod errgroup;
mod lazy;
mod mutex;
mod once;
mod rwmutex;
mod semaphore;
mod waitgroup;

pub use errgroup::{BoxError, ErrGroup, PanicError};
pub use mutex::{LockFuture, Mutex, MutexGuard};
pub use once::{Once, OnceCell};
pub use rwmutex::{ReadFuture, RwMutex, RwMutexReadGuard, RwMutexWriteGuard, WriteFuture};
pub use semaphore::{AcquireFuture, OwnedSemaphorePermit, Semaphore, SemaphorePermit};
pub use waitgroup::{WaitFuture, WaitGroup};

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The `_blocking` forms called from a goroutine (even one that has spent its
    /// cooperative budget) panic at once, naming the async form, instead of blocking
    /// the worker (or spinning on the exhausted budget).
    #[test]
    fn blocking_forms_in_a_goroutine_panic() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            crate::run(async {
                let h = crate::go(async {
                    let m = Mutex::new(0);
                    let rw = RwMutex::new(0);
                    let sem = Semaphore::new(1);
                    let wg = WaitGroup::new();
                    for _ in 0..crate::runtime::coop::BUDGET {
                        drop(m.lock().await);
                    }
                    // The budget is spent: the next async operation would yield.
                    let msg = |f: &mut dyn FnMut()| {
                        let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                            .expect_err("a _blocking form must panic in a goroutine");
                        p.downcast_ref::<String>().cloned().unwrap_or_default()
                    };
                    let m1 = msg(&mut || drop(rw.read_blocking()));
                    assert!(m1.contains("RwMutex::read_blocking"), "{m1}");
                    assert!(m1.contains("m.read().await"), "{m1}");
                    assert!(msg(&mut || drop(rw.write_blocking())).contains("write().await"));
                    assert!(msg(&mut || drop(sem.acquire_blocking(1))).contains("acquire(n)"));
                    assert!(msg(&mut || wg.wait_blocking()).contains("wg.wait().await"));
                    assert!(msg(&mut || drop(m.lock_blocking())).contains("m.lock().await"));
                });
                h.await.unwrap();
            });
            let _ = tx.send(());
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("a _blocking form blocked or spun instead of panicking");
    }
}
