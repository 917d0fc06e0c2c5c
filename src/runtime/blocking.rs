//! The blocking pool behind [`unblock`](crate::unblock): a bounded set of threads
//! that grows on demand and shrinks when idle.
//!
//! Jobs are `async-task` tasks whose schedule function pushes them onto one queue; a
//! pool thread pops and runs them. A new thread is started only when no thread is idle
//! and fewer than [`MAX_THREADS`] exist; an idle thread exits after [`KEEP_ALIVE`].
//! One mutex guards the queue and the counts, so the "is a thread idle?" decision and
//! the wait are atomic (no job is left behind with every thread asleep).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::{Condvar, LazyLock, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use async_task::Runnable;

/// Most threads the pool runs at once (jobs beyond that wait in the queue).
pub const MAX_THREADS: usize = 512;
/// How long an idle pool thread waits for a job before exiting.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

struct State {
    jobs: VecDeque<Runnable>,
    idle: usize,
    threads: usize,
}

struct Pool {
    state: Mutex<State>,
    cvar: Condvar,
    /// Jobs scheduled and not yet finished (for deadlock detection and tests).
    pending: AtomicUsize,
    /// Jobs a pool thread is running now: counted until `run` has returned, so
    /// after the wake of the awaiting goroutine (`pending` drops just before it).
    running: AtomicUsize,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| Pool {
    state: Mutex::new(State {
        jobs: VecDeque::new(),
        idle: 0,
        threads: 0,
    }),
    cvar: Condvar::new(),
    pending: AtomicUsize::new(0),
    running: AtomicUsize::new(0),
});

impl Pool {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn schedule(&'static self, job: Runnable) {
        let mut s = self.lock();
        s.jobs.push_back(job);
        if s.idle > 0 {
            self.cvar.notify_one();
        } else if s.threads < MAX_THREADS {
            s.threads += 1;
            let spawned = std::thread::Builder::new()
                .name("goro-blocking".into())
                .spawn(move || self.main_loop());
            if spawned.is_err() {
                s.threads -= 1; // the queued job runs on an existing thread later
            }
        }
    }

    fn main_loop(&'static self) {
        let _goro_thread = super::threads::register(super::threads::PROCESS);
        let mut s = self.lock();
        loop {
            if let Some(job) = s.jobs.pop_front() {
                self.running.fetch_add(1, SeqCst);
                drop(s);
                struct Done(&'static AtomicUsize);
                impl Drop for Done {
                    fn drop(&mut self) {
                        self.0.fetch_sub(1, SeqCst);
                    }
                }
                let done = Done(&self.running);
                job.run();
                drop(done);
                s = self.lock();
                continue;
            }
            s.idle += 1;
            let (g, t) = self
                .cvar
                .wait_timeout(s, KEEP_ALIVE)
                .unwrap_or_else(|e| e.into_inner());
            s = g;
            s.idle -= 1;
            if t.timed_out() && s.jobs.is_empty() {
                s.threads -= 1;
                return;
            }
        }
    }
}

/// Counts a job as pending until it is dropped (finished or cancelled).
struct PendingGuard;

impl Drop for PendingGuard {
    fn drop(&mut self) {
        POOL.pending.fetch_sub(1, SeqCst);
    }
}

/// The future returned by [`unblock`](crate::unblock).
#[must_use = "the closure runs even if this is dropped early, but its result is lost"]
pub struct UnblockFuture<T> {
    task: async_task::Task<T>,
}

impl<T> std::fmt::Debug for UnblockFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnblockFuture { .. }")
    }
}

impl<T> Future for UnblockFuture<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        use super::wait::{Wait, WaitKind, poll_on};
        poll_on(cx, Wait::plain(WaitKind::Unblock), |cx| {
            Pin::new(&mut self.task).poll(cx)
        })
    }
}

/// Runs blocking code on the blocking pool and awaits its result, so the goroutine
/// parks instead of stalling a worker thread (Go does this for you on every blocking
/// syscall; in Rust it must be explicit, as with tokio's `spawn_blocking`).
///
/// Up to 512 pool threads run at once; idle ones exit after 10 s. A panic in `f` is
/// resumed in the awaiting goroutine. Dropping the future before the job starts
/// cancels it; once started, the job runs to completion and its result is dropped.
///
/// ```
/// goro::run(async {
///     let n = goro::unblock(|| std::fs::read_dir(".").map(|d| d.count()).unwrap_or(0)).await;
///     assert!(n > 0);
/// });
/// ```
pub fn unblock<T, F>(f: F) -> UnblockFuture<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    POOL.pending.fetch_add(1, SeqCst);
    let guard = PendingGuard;
    let (runnable, task) = async_task::Builder::new().propagate_panic(true).spawn(
        move |_| async move {
            let _guard = guard;
            f()
        },
        |r| POOL.schedule(r),
    );
    runnable.schedule();
    UnblockFuture { task }
}

/// Whether a job is queued or running, or its wake-up may still be in flight (for
/// deadlock detection: a job's `pending` count drops inside the job, just before
/// its result wakes the goroutine; `running` drops after).
pub(crate) fn busy() -> bool {
    POOL.pending.load(SeqCst) != 0 || POOL.running.load(SeqCst) != 0
}
