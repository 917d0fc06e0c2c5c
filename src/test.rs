//! Test helpers: virtual time ([`synctest`], [`wait`]: Go 1.25's
//! `testing/synctest`) and leak checks ([`no_leaks`], go.uber.org/goleak's idea).
//!
//! # Virtual time
//!
//! [`synctest`] runs a future as the main goroutine of a *bubble*: a runtime of its
//! own whose goroutines (everything spawned inside, transitively) share a fake
//! clock. Inside, [`time::now`](crate::time::now) starts at the instant the bubble
//! was made and [`time::system_now`](crate::time::system_now) at
//! 2000-01-01T00:00:00Z; the clock moves only when every goroutine of the bubble is
//! *durably blocked*, and then jumps straight to the next timer, firing every timer
//! due at that instant together. A test of a 30 s idle timeout takes microseconds,
//! and its timing cannot flake.
//!
//! ```
//! use std::time::Duration;
//! goro::test::synctest(async {
//!     let start = goro::time::now();
//!     let (tx, rx) = goro::chan(0);
//!     goro::go(async move {
//!         goro::time::sleep(Duration::from_secs(30)).await;
//!         tx.send("idle").await.unwrap();
//!     });
//!     assert_eq!(rx.recv().await, Some("idle"));
//!     assert_eq!(goro::time::now() - start, Duration::from_secs(30));
//! });
//! ```
//!
//! *Durably blocked* means blocked on something only the bubble can end:
//!
//! | waiting in | durable |
//! |---|---|
//! | send, receive or `select!` on channels made in the bubble (timer channels of `after`, `Timer`, `Ticker` included) | yes |
//! | `sleep`, `sleep_until`, `timeout`, `Timer`, `Ticker` inside the bubble | yes |
//! | `WaitGroup::wait` of a group made in the bubble (so `ErrGroup::wait`) | yes |
//! | `Context::done` of a context made in the bubble (deadlines included) | yes |
//! | awaiting the `JoinHandle` of a goroutine of the bubble; `std::future::pending()` | yes |
//! | [`wait`] | yes |
//! | `Mutex`, `RwMutex`, `Semaphore`, `Once` | no |
//! | `unblock`, I/O (`goro::net`), any future of another crate, anything made outside the bubble | no |
//!
//! A goroutine that waits on something not durable keeps the clock still until it
//! is woken, as in Go. goro's locks are not durable, as Go's `sync.Mutex` is not, for
//! a reason that holds for goro too: `Mutex::new` is a `const fn`, so a lock can be
//! a `static` shared with code outside any bubble, and the bubble cannot know who
//! will release it. A test that holds a lock across a sleep while another goroutine
//! waits for the lock therefore stalls: keep sleeps out of critical sections, or
//! hand work over with a channel. `Once` waits for an initializer that may run
//! outside the bubble.
//!
//! Isolation, as in Go: a channel made in a bubble panics when used (send, receive,
//! select, close) from outside it, naming the bubble; when every goroutine of the
//! bubble is durably blocked and no timer is armed, `synctest` panics with
//! `deadlock` and the dump of the bubble's goroutines; once the main goroutine has
//! returned, time stops, and blocked goroutines left behind are reported the same
//! way (`deadlock: main bubble goroutine has exited but blocked goroutines remain`).
//! Bubbles running at the same time (parallel tests) have their own clocks.
//!
//! ## How it works, and the invariants
//!
//! Membership is the goroutine's runtime. The bubble counts its goroutines that
//! are not durably blocked and the workers in the middle of one of its polls, in one
//! word; a goroutine's poll declares through goro's wait seam whether it left the
//! goroutine durably blocked, and the wake that schedules it again counts it back.
//! The worker that brings the word to 0 (nothing of the bubble runs or can run)
//! advances the clock, fires timers, releases a [`wait`] or reports the deadlock.
//! Virtual time moves only forward, only then; no timer fires before the virtual
//! clock reaches it; outside bubbles none of this runs (one branch per goroutine
//! poll and timer arm).
//!
//! Differences from Go: the virtual `Instant` starts at the real instant the bubble
//! was made (a `std::time::Instant` has no fixed origin); blocking-pool jobs
//! ([`unblock`](crate::unblock)) and plain threads see the real clock; waiting on a
//! `WaitGroup` is durable when the group was *made* in the bubble (Go: when `Add`
//! was called there); other goro primitives used from outside a bubble do not
//! panic (only channels check).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::runtime::bubble::{Bubble, Outcome};

/// How long [`no_leaks`] waits for goroutines to finish before failing.
pub const LEAK_GRACE: Duration = Duration::from_secs(1);

/// Runs `f`, then checks that every goroutine started while it ran has finished,
/// waiting up to [`LEAK_GRACE`] for stragglers; panics with a goroutine dump if some
/// are still alive. Call it inside the runtime under test (in `run` or
/// `#[goro::test]`).
///
/// ```
/// goro::run(goro::test::no_leaks(async {
///     let h = goro::go(async { 1 + 1 });
///     assert_eq!(h.await.unwrap(), 2);
/// }));
/// ```
///
/// ```should_panic
/// goro::run(goro::test::no_leaks(async {
///     goro::go(std::future::pending::<()>()); // leaked
/// }));
/// ```
pub async fn no_leaks<F: Future>(f: F) -> F::Output {
    let before = crate::num_goroutines();
    let out = f.await;
    let deadline = crate::time::now() + LEAK_GRACE;
    loop {
        let now = crate::num_goroutines();
        if now <= before {
            return out;
        }
        if crate::time::now() >= deadline {
            panic!(
                "goro::test::no_leaks: {} goroutine(s) started inside are still alive after {:?}:\n{}",
                now - before,
                LEAK_GRACE,
                crate::runtime::dump_string()
            );
        }
        crate::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Runs `fut` as the main goroutine of a new synctest bubble and returns its output
/// once every goroutine of the bubble has exited (Go's `synctest.Test`). See the
/// [module docs](self) for virtual time and what counts as durably blocked.
///
/// The bubble runs on a runtime of its own (GOMAXPROCS workers, the calling thread
/// as worker 0, as in [`run`](crate::run)), built for this call and shut down after.
///
/// # Panics
/// With the main goroutine's panic, message and payload unchanged; with a message
/// containing `deadlock` and the bubble's goroutine dump when every goroutine of the
/// bubble is durably blocked and no timer is armed (or main has returned and
/// blocked goroutines remain); when called from inside a goroutine (it would block
/// a worker thread).
///
/// ```
/// use std::time::Duration;
/// let v = goro::test::synctest(async {
///     let t = goro::time::Timer::new(Duration::from_secs(60));
///     let fired = t.recv().await.unwrap();
///     fired - goro::time::now() // fired at the instant the clock jumped to
/// });
/// assert_eq!(v, Duration::ZERO);
/// ```
///
/// ```should_panic
/// // A deadlock in the bubble fails the test (instead of hanging).
/// goro::test::synctest(async {
///     let (_tx, rx) = goro::chan::<()>(0);
///     rx.recv().await;
/// });
/// ```
#[track_caller]
pub fn synctest<F>(fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    use futures_lite::FutureExt;
    assert!(
        !crate::runtime::shared::on_worker(),
        "goro::test::synctest called from inside a goroutine (it would block a worker \
         thread); call it from a #[test] function or use #[goro::test(synctest)]"
    );
    // Never freed: goroutines and timers of the bubble refer to it without a count,
    // as to their runtime; a few hundred bytes per bubble.
    let b: &'static Bubble = Box::leak(Box::new(Bubble::new(crate::runtime::dump_goroutines)));
    let rt = crate::runtime::bubble_runtime(b);
    let out = std::sync::Arc::new(std::sync::Mutex::new(None));
    let slot = out.clone();
    let main = async move {
        let r = std::panic::AssertUnwindSafe(fut).catch_unwind().await;
        let panicked = r.is_err();
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        b.main_done(panicked);
    };
    drop(crate::runtime::spawn_at(
        &rt,
        main,
        std::panic::Location::caller(),
    ));
    let outcome = rt.block_on(std::future::poll_fn(|cx| b.poll_outcome(cx)));
    drop(rt); // the goroutines left (after a deadlock or main's panic) are dropped
    let r = out.lock().unwrap_or_else(|e| e.into_inner()).take();
    match (outcome, r) {
        (Outcome::Deadlock(msg), _) => panic!("{msg}"),
        (_, Some(Err(payload))) => std::panic::resume_unwind(payload),
        (_, Some(Ok(v))) => v,
        (_, None) => unreachable!("goro: synctest's main goroutine left no output"),
    }
}

/// Waits until every other goroutine of the current synctest bubble is durably
/// blocked (Go's `synctest.Wait`). Timers already due fire first; it never advances
/// the clock. Use it to let the goroutines under test reach their next wait before
/// checking their state.
///
/// # Panics
/// Outside a bubble; when two goroutines of one bubble wait at once.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// goro::test::synctest(async {
///     let done = Arc::new(AtomicBool::new(false));
///     let d = done.clone();
///     goro::go(async move { d.store(true, Ordering::SeqCst) });
///     goro::test::wait().await; // the goroutine has run (and exited)
///     assert!(done.load(Ordering::SeqCst));
/// });
/// ```
#[track_caller]
pub fn wait() -> WaitFuture {
    match crate::runtime::shared::current_bubble() {
        Some(b) => WaitFuture {
            bubble: b,
            call: 0,
            done: false,
        },
        None => panic!("goro::test::wait called outside a synctest bubble"),
    }
}

/// The future of [`wait`].
///
/// ```
/// goro::test::synctest(async {
///     let w: goro::test::WaitFuture = goro::test::wait();
///     w.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct WaitFuture {
    bubble: &'static Bubble,
    call: u64,
    done: bool,
}

impl Future for WaitFuture {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        use crate::runtime::wait::{THIS_BUBBLE, Wait, WaitKind};
        let this = &mut *self;
        if this.done {
            return Poll::Ready(());
        }
        let waker = crate::runtime::wait::on(cx, Wait::new(WaitKind::SyncWait, THIS_BUBBLE));
        let r = this.bubble.poll_wait(&mut this.call, waker);
        this.done = r.is_ready();
        r
    }
}

impl Drop for WaitFuture {
    fn drop(&mut self) {
        if self.call != 0 && !self.done {
            self.bubble.cancel_wait(self.call);
        }
    }
}
