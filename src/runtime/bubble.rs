//! Synctest bubbles: a runtime whose goroutines run on a virtual clock (Go 1.25's
//! `testing/synctest`; the user API is `goro::test::synctest` and `goro::test::wait`).
//!
//! # Algorithm
//!
//! A bubble is a runtime of its own: every goroutine of that runtime belongs to the
//! bubble (goroutines spawned inside it stay in it, transitively), so membership is
//! the goroutine's runtime, with nothing stored per goroutine. The bubble keeps one
//! word, `count`: the goroutines that are *not* durably blocked (low half), and the
//! workers inside a goroutine poll (high half).
//!
//! - A spawn adds one goroutine. A poll that leaves its goroutine durably blocked
//!   (declared through the wait seam, see `wait`) sets the goroutine's `DURABLE` bit
//!   and takes it off the count; the wake that schedules it again clears the bit and
//!   puts it back. A goroutine that finishes leaves the count.
//! - A worker counts itself in (high half) before it polls a goroutine of the
//!   bubble and out after the poll has returned, including async-task's reschedule
//!   of a goroutine woken during its own poll. So `count` is 0 exactly when no
//!   goroutine of the bubble runs or can run: all are durably blocked (or gone).
//! - The worker whose count-out makes `count` 0 is the only one that can see it
//!   (nothing is left to change it: a durably blocked goroutine can only be woken by
//!   another goroutine of the bubble or by the bubble's clock). It counts itself in
//!   again and acts, with the bubble's lock: fire the timers already due; else
//!   release a `wait()`-er; else, once main has returned and every goroutine is
//!   gone, end the bubble; else jump the clock to the next timer and fire every timer
//!   due then; with no timer left, report a deadlock. The wakes it makes bring
//!   `count` above 0 before it counts itself out; if it is 0 again, it goes on.
//!
//! Invariants: virtual time only moves forward, only in that step, and only when
//! every goroutine of the bubble is durably blocked; a timer never fires before the
//! virtual clock reaches its deadline; the timers due at one instant fire together.
//!
//! # Differences from Go
//!
//! The virtual [`Instant`] starts at the real instant the bubble was made (an
//! `Instant` has no fixed origin to start from); the virtual `SystemTime` starts at
//! 2000-01-01T00:00:00Z as Go's. Work done on other threads for the bubble
//! (`unblock`, `_blocking` calls) sees the real clock.

use std::collections::{BTreeMap, HashMap};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

use crate::loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};

/// One goroutine that is not durably blocked (low half of `count`).
const ACTIVE: u64 = 1;
/// One worker polling a goroutine of the bubble (high half of `count`).
const RUNNING: u64 = 1 << 32;

/// Timer keys of bubbles carry this bit (the wheel's keys never do).
pub(crate) const KEY_BIT: u64 = 1 << 63;

/// Seconds from the Unix epoch to 2000-01-01T00:00:00Z, where a bubble's
/// `SystemTime` starts.
const Y2K: u64 = 946_684_800;

/// How a bubble ended.
pub(crate) enum Outcome {
    /// Main returned and every goroutine of the bubble has exited.
    Finished,
    /// Main panicked (its payload is with main's output).
    MainPanicked,
    /// Every goroutine is durably blocked and no timer can fire: the message.
    Deadlock(String),
}

pub(crate) struct Bubble {
    pub(crate) id: u64,
    /// The real instant the bubble started: virtual time 0.
    start: Instant,
    /// Virtual nanoseconds since `start` (written under `state`).
    now: AtomicU64,
    /// Not durably blocked goroutines | `RUNNING` * workers polling.
    count: AtomicU64,
    /// Live goroutines of the bubble.
    live: AtomicUsize,
    /// Set once the bubble has ended: nothing is counted any more.
    ended: AtomicBool,
    state: Mutex<State>,
    dump: Dump,
}

#[derive(Default)]
struct State {
    /// (deadline in virtual nanos, key) -> waker.
    timers: BTreeMap<(u64, u64), Waker>,
    /// key -> deadline, to find a timer by key.
    keys: HashMap<u64, u64>,
    /// The goroutine in `wait()`, and the number of its call.
    waiter: Option<(u64, Waker)>,
    /// The last `wait()` call released.
    released: u64,
    main_done: bool,
    outcome: Option<Outcome>,
    /// The thread waiting in `synctest` for the outcome.
    watcher: Option<Waker>,
}

/// Writes the dump of the bubble's goroutines (given by the runtime that hosts it,
/// so that this module imports nothing of the scheduler).
pub(crate) type Dump = fn() -> String;

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

static IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
static KEYS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Bubble {
    pub(crate) fn new(dump: Dump) -> Bubble {
        Bubble {
            dump,
            id: IDS.fetch_add(1, Relaxed),
            start: Instant::now(),
            now: AtomicU64::new(0),
            count: AtomicU64::new(0),
            live: AtomicUsize::new(0),
            ended: AtomicBool::new(false),
            state: Mutex::new(State::default()),
        }
    }

    fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.now.load(Acquire))
    }

    /// The bubble's monotonic clock.
    pub(crate) fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    /// The bubble's wall clock (2000-01-01T00:00:00Z at its start).
    pub(crate) fn system_now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(Y2K) + self.elapsed()
    }

    fn nanos_of(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.start).as_nanos()).unwrap_or(u64::MAX)
    }

    // ----- goroutines -----

    /// A goroutine of the bubble was spawned.
    pub(crate) fn spawned(&self) {
        self.live.fetch_add(1, SeqCst);
        self.count.fetch_add(ACTIVE, SeqCst);
    }

    /// A goroutine's poll left it durably blocked (its `DURABLE` bit is set).
    pub(crate) fn blocked(&self) {
        self.count.fetch_sub(ACTIVE, SeqCst);
    }

    /// A durably blocked goroutine was woken (its `DURABLE` bit cleared).
    pub(crate) fn woken(&self) {
        self.count.fetch_add(ACTIVE, SeqCst);
    }

    /// A goroutine finished; `counted`: it was not durably blocked.
    pub(crate) fn finished(&self, counted: bool) {
        if counted {
            self.count.fetch_sub(ACTIVE, SeqCst);
        }
        self.live.fetch_sub(1, SeqCst);
    }

    /// A worker is about to poll a goroutine of the bubble.
    pub(crate) fn enter_poll(&self) {
        self.count.fetch_add(RUNNING, SeqCst);
    }

    /// The worker's poll has returned (and any reschedule it caused is done).
    pub(crate) fn leave_poll(&self) {
        if self.count.fetch_sub(RUNNING, SeqCst) == RUNNING {
            self.quiet();
        }
    }

    /// Main returned (or panicked).
    pub(crate) fn main_done(&self, panicked: bool) {
        let mut st = lock(&self.state);
        st.main_done = true;
        if panicked && st.outcome.is_none() {
            st.outcome = Some(Outcome::MainPanicked);
            self.ended.store(true, SeqCst);
            if let Some(w) = st.watcher.take() {
                drop(st);
                w.wake();
            }
        }
    }

    /// Every goroutine is durably blocked and we made `count` 0: act (see the
    /// module docs), as a worker counted in, until the count is not 0 any more.
    #[cold]
    fn quiet(&self) {
        loop {
            if self.ended.load(SeqCst) {
                return;
            }
            self.count.fetch_add(RUNNING, SeqCst);
            let wakers = self.step();
            for w in wakers {
                w.wake();
            }
            if self.count.fetch_sub(RUNNING, SeqCst) != RUNNING {
                return;
            }
        }
    }

    fn step(&self) -> Vec<Waker> {
        let mut st = lock(&self.state);
        if st.outcome.is_some() {
            return Vec::new();
        }
        let now = self.now.load(Acquire);
        let due = take_due(&mut st, now);
        if !due.is_empty() {
            return due;
        }
        if let Some((n, w)) = st.waiter.take() {
            st.released = n;
            return vec![w];
        }
        if st.main_done && self.live.load(SeqCst) == 0 {
            return self.end(st, Outcome::Finished);
        }
        if st.main_done {
            let dump = (self.dump)();
            let msg = format!(
                "deadlock: main bubble goroutine has exited but blocked goroutines remain\n\n{dump}"
            );
            return self.end(st, Outcome::Deadlock(msg));
        }
        if let Some((&(next, _), _)) = st.timers.iter().next() {
            self.now.store(next, Release);
            return take_due(&mut st, next);
        }
        let dump = (self.dump)();
        let msg = format!(
            "deadlock: all goroutines in bubble {} are durably blocked and no timer can fire\n\n{dump}",
            self.id
        );
        self.end(st, Outcome::Deadlock(msg))
    }

    fn end(&self, mut st: MutexGuard<'_, State>, outcome: Outcome) -> Vec<Waker> {
        st.outcome = Some(outcome);
        self.ended.store(true, SeqCst);
        st.watcher.take().into_iter().collect()
    }

    /// For `synctest`'s waiting thread: the outcome, once the bubble has ended.
    pub(crate) fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Outcome> {
        let mut st = lock(&self.state);
        match st.outcome.take() {
            Some(o) => Poll::Ready(o),
            None => {
                st.watcher = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }

    // ----- wait() -----

    /// Polls `wait()` call number `n` (0: not registered yet; it gets a number).
    pub(crate) fn poll_wait(&self, n: &mut u64, waker: &Waker) -> Poll<()> {
        static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut st = lock(&self.state);
        if *n != 0 && st.released >= *n {
            return Poll::Ready(());
        }
        if *n == 0 {
            *n = CALLS.fetch_add(1, Relaxed);
        }
        match &st.waiter {
            Some((m, _)) if *m != *n => {
                panic!("goro::test::wait called by two goroutines of one bubble at once")
            }
            _ => st.waiter = Some((*n, waker.clone())),
        }
        Poll::Pending
    }

    /// A `wait()` future dropped before it returned.
    pub(crate) fn cancel_wait(&self, n: u64) {
        let mut st = lock(&self.state);
        if st.waiter.as_ref().is_some_and(|(m, _)| *m == n) {
            st.waiter = None;
        }
    }

    // ----- timers -----

    /// Arms a timer at `deadline` on the virtual clock.
    pub(crate) fn insert_timer(&self, deadline: Instant, waker: &Waker) -> u64 {
        let key = KEY_BIT | KEYS.fetch_add(1, Relaxed);
        let at = self.nanos_of(deadline);
        let mut st = lock(&self.state);
        st.timers.insert((at, key), waker.clone());
        st.keys.insert(key, at);
        key
    }

    /// Re-points an armed timer; false if it fired or is not this bubble's.
    pub(crate) fn set_timer_waker(&self, key: u64, waker: &Waker) -> bool {
        let mut st = lock(&self.state);
        let Some(&at) = st.keys.get(&key) else {
            return false;
        };
        match st.timers.get_mut(&(at, key)) {
            Some(w) => {
                w.clone_from(waker);
                true
            }
            None => false,
        }
    }

    /// Disarms a timer; whether it was still armed.
    pub(crate) fn remove_timer(&self, key: u64) -> bool {
        let w = {
            let mut st = lock(&self.state);
            match st.keys.remove(&key) {
                Some(at) => st.timers.remove(&(at, key)),
                None => None,
            }
        };
        w.is_some()
    }

    /// Armed timers of the bubble.
    pub(crate) fn timers(&self) -> usize {
        lock(&self.state).timers.len()
    }
}

impl std::fmt::Debug for Bubble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bubble")
            .field("id", &self.id)
            .field("now", &self.elapsed())
            .finish_non_exhaustive()
    }
}

fn take_due(st: &mut State, now: u64) -> Vec<Waker> {
    let mut out = Vec::new();
    while let Some(entry) = st.timers.first_entry() {
        if entry.key().0 > now {
            break;
        }
        let ((_, key), w) = entry.remove_entry();
        st.keys.remove(&key);
        out.push(w);
    }
    out
}

/// Loom: the real `Bubble` under two workers, with the scheduler's side of the
/// protocol (a goroutine's `DURABLE` bit, set by its poll, cleared by the wake that
/// schedules it) played by the model. Run with
/// `RUSTFLAGS="--cfg loom" cargo test --release --no-default-features --lib runtime::bubble`.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use std::task::Wake;

    /// Goroutine A's timer: waking it is the wake that schedules A.
    struct TimerWake {
        bubble: Arc<Bubble>,
        a_durable: Arc<AtomicBool>,
        b_blocked: Arc<AtomicBool>,
        fired: Arc<AtomicUsize>,
        b_blocked_when_fired: Arc<AtomicBool>,
    }

    impl Wake for TimerWake {
        fn wake(self: std::sync::Arc<Self>) {
            self.b_blocked_when_fired
                .store(self.b_blocked.load(SeqCst), SeqCst);
            self.fired.fetch_add(1, SeqCst);
            if self.a_durable.swap(false, SeqCst) {
                self.bubble.woken();
            }
        }
    }

    /// A sleeps on a timer while B is still running on the other worker: the clock
    /// moves (and A's timer fires) exactly once, and only after B has blocked too,
    /// whichever worker finishes last.
    #[test]
    fn time_moves_only_when_every_goroutine_is_blocked() {
        loom::model(|| {
            let b = Arc::new(Bubble::new(String::new));
            b.spawned(); // A
            b.spawned(); // B
            let a_durable = Arc::new(AtomicBool::new(false));
            let b_blocked = Arc::new(AtomicBool::new(false));
            let fired = Arc::new(AtomicUsize::new(0));
            let seen = Arc::new(AtomicBool::new(false));
            let waker = Waker::from(std::sync::Arc::new(TimerWake {
                bubble: b.clone(),
                a_durable: a_durable.clone(),
                b_blocked: b_blocked.clone(),
                fired: fired.clone(),
                b_blocked_when_fired: seen.clone(),
            }));
            let worker_a = {
                let (b, a_durable) = (b.clone(), a_durable.clone());
                loom::thread::spawn(move || {
                    b.enter_poll();
                    let deadline = b.now() + Duration::from_secs(1);
                    b.insert_timer(deadline, &waker);
                    a_durable.store(true, SeqCst); // A's poll: durably blocked
                    b.blocked();
                    b.leave_poll();
                })
            };
            b.enter_poll(); // worker B polls B, which then blocks for good
            b_blocked.store(true, SeqCst);
            b.blocked();
            b.leave_poll();
            worker_a.join().unwrap();
            assert_eq!(fired.load(SeqCst), 1, "the clock moved once");
            assert!(seen.load(SeqCst), "not before B had blocked");
            assert_eq!(b.elapsed(), Duration::from_secs(1));
            assert!(!a_durable.load(SeqCst), "A was woken");
        });
    }
}
