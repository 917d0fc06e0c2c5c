//! Workers: the scheduling loop, the idle/searching protocol and parking.
//!
//! # Algorithm (after Go's `runtime/proc.go` and tokio's multi-thread scheduler)
//!
//! Each worker (Go's P with its M) owns a [`Local`] ring of runnable goroutines and a
//! `next` slot. A goroutine spawned or woken *by the running goroutine* goes to
//! `next` and runs as soon as the current one parks (a message-passing pair stays on
//! one core); the task it displaces goes to the back of the ring. A goroutine that
//! wakes itself (`yield_now`) or is woken outside any poll goes to the back of the
//! ring. Wakes from threads that are not workers of this runtime go to the global
//! injector.
//!
//! A worker picks its next goroutine in this order: every 61st tick the injector
//! first (so it cannot starve, as in Go); then `next`, unless it has run `next` tasks
//! [`MAX_NEXT`] times in a row while the ring waits (then `next` goes to the back of the
//! ring: two goroutines waking each other cannot starve the rest); then the ring;
//! then a batch from the injector; then due timers; then it *searches*: it steals half
//! of a random victim's ring (and, if a victim sat on one task for a whole search
//! round, its `next` task); and finally it parks.
//!
//! # Invariants (no lost wake-up, no thundering herd)
//!
//! - The idle/searching protocol is [`idle`](super::idle)'s (its module docs hold
//!   the Dekker argument; its loom model runs that code):
//! - At most about half the active workers search at once (Go's rule).
//! - Whoever makes work stealable (pushes onto an empty ring, or to the injector)
//!   then calls [`Shared::notify_work`]: after a `SeqCst` fence it wakes one parked worker, and
//!   only if no worker is searching. The woken worker is counted as searching on its
//!   behalf, so a burst of pushes wakes one worker, which wakes the next only when it
//!   finds work and stops searching (Go's `wakep` / `resetspinning`).
//! - A worker that parks first stops searching, then registers as idle, then issues a
//!   `SeqCst` fence, then re-checks every ring and the injector. With the pusher's
//!   fence this is Dekker's pattern: either the pusher sees an idle worker (or a
//!   searcher) or the parker sees the work.
//! - A `next` task may be taken by another worker only once its owner has not
//!   finished a poll for a whole search round (or a watch period): it is stranded
//!   behind a long poll. While any `next` slot is occupied, one parked worker (the
//!   *watcher*) wakes every millisecond to rescue such tasks, as Go's sysmon does;
//!   placing a task in an empty `next` slot wakes a worker only when no watcher
//!   exists, so message-passing pairs cost no wake-ups in the steady state.
//! - Timers are kept in one process-wide wheel (see `crate::time`). A parking worker
//!   takes the "timer sleeper" role when it would wake earlier than the current one,
//!   and parks until the next deadline; running workers fire due timers every 61
//!   ticks and whenever they run out of local work. No timer thread, no busy polling.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use async_task::ScheduleInfo;

use super::idle::Idle;
use super::park::Parker;
use super::queue::Local;
use super::registry::Registry;
use super::shared::{Counts, Padded, RETIRED, Run, Shared, Slot, Task, set_current};
use super::slot0::Slot0State;
use super::time::driver;

mod lifecycle;
mod stand_in;
mod watch;

pub(crate) use stand_in::{stand_in_loop, take_slot0};

/// How many times in a row `next` may be preferred while the ring is not empty.
const MAX_NEXT: u32 = 3;
/// Every this many ticks a worker looks at the injector first and fires due timers.
const GLOBAL_TICK: u32 = 61;
/// How often the watcher looks for `next` tasks stranded behind a long poll.
const WATCH_PERIOD: std::time::Duration = std::time::Duration::from_millis(1);
/// Steal rounds over all victims before parking.
const SEARCH_ROUNDS: usize = 3;

thread_local! {
    static WORKER: RefCell<Option<Rc<Worker>>> = const { RefCell::new(None) };
}

/// The scheduling function of every goroutine.
pub(crate) fn schedule(task: Task, info: ScheduleInfo) {
    let meta = task.metadata();
    let shared = meta.shared.expect("goroutine without a runtime");
    // For dumps: woken (one RMW on the task's own cache line, which the wake has
    // just written anyway).
    let w = meta.wait.load(Relaxed);
    if w & super::deadlock::RUNNABLE == 0 {
        meta.wait.fetch_or(super::deadlock::RUNNABLE, Relaxed);
        if w & super::deadlock::DURABLE != 0 {
            // A durably blocked goroutine of a bubble is woken (see `bubble`).
            meta.wait.fetch_and(!super::deadlock::DURABLE, Relaxed);
            if let Some(b) = shared.bubble() {
                b.woken();
            }
        }
    }
    let mut task = Some(task);
    let _ = WORKER.try_with(|w| {
        if let Some(w) = &*w.borrow() {
            if std::ptr::eq(w.shared, shared) {
                w.schedule_local(task.take().unwrap(), info.woken_while_running);
            }
        }
    });
    if let Some(task) = task {
        shared.schedule_remote(task);
    }
}

impl Shared {
    fn schedule_remote(&self, task: Task) {
        self.run.remote_wakes.fetch_add(1, Relaxed);
        if self.run.closed.load(Acquire) {
            drop(task); // the runtime is gone: the goroutine is dropped
            return;
        }
        self.injector.push(task);
        self.notify_work();
    }

    /// Wakes one parked worker if work was made stealable and nobody is searching.
    pub(crate) fn notify_work(&self) {
        if self.run.idle.should_wake() {
            self.wake_one(false);
        }
    }

    /// Unparks one idle worker (`force`: even if some worker is searching).
    pub(crate) fn wake_one(&self, force: bool) {
        if let Some(i) = self.run.idle.pick(force) {
            self.slots[i].parker.unpark();
        }
    }

    /// Work any worker could take: a ring or the injector (not `next` slots).
    fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.slots.iter().any(|s| s.queue.len() > 0)
    }

    /// Counts and schedules a newly spawned goroutine, with one thread-local lookup.
    pub(crate) fn submit_new(&'static self, task: Task) {
        let mut task = Some(task);
        let _ = WORKER.try_with(|w| {
            if let Some(w) = &*w.borrow() {
                if std::ptr::eq(w.shared, self) {
                    let c = &self.run.counts[w.index].0;
                    c.spawned.store(c.spawned.load(Relaxed) + 1, Release);
                    w.schedule_local(task.take().unwrap(), false);
                }
            }
        });
        if let Some(task) = task {
            self.run.foreign_spawned.fetch_add(1, Release);
            self.schedule_remote(task);
        }
    }
}

/// The main goroutine's waker when `block_on` runs it on worker 0.
pub(crate) struct MainWake {
    pub(crate) woken: AtomicBool,
    pub(crate) parker: Arc<Parker>,
}

impl Wake for MainWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, SeqCst);
        self.parker.unpark();
    }
}

/// A worker thread's private state.
pub(crate) struct Worker {
    pub(crate) shared: &'static Shared,
    pub(crate) index: usize,
    polling: Cell<bool>,
    /// Parked (possibly driving the I/O reactor).
    in_park: Cell<bool>,
    searching: Cell<bool>,
    tick: Cell<u32>,
    next_run: Cell<u32>,
    rng: Cell<u64>,
    seen_polls: RefCell<Vec<u32>>,
    expired: RefCell<Vec<Waker>>,
    /// The stand-in for worker 0: steps aside when a `block_on` caller wants it.
    stand_in: bool,
    /// Worker 0's deadlock watch: progress seen when it last parked quiet, and when
    /// it looks next; and how many looks in a row could not prove a deadlock.
    dl_watch: Cell<Option<(u64, std::time::Instant)>>,
    dl_misses: Cell<u32>,
}

impl Worker {
    pub(crate) fn new(shared: &'static Shared, index: usize) -> Rc<Worker> {
        Worker::with(shared, index, false)
    }

    /// Worker 0 run by the runtime's stand-in thread (see `slot0`).
    pub(crate) fn stand_in(shared: &'static Shared) -> Rc<Worker> {
        Worker::with(shared, 0, true)
    }

    fn with(shared: &'static Shared, index: usize, stand_in: bool) -> Rc<Worker> {
        let n = shared.slots.len();
        Rc::new(Worker {
            shared,
            index,
            polling: Cell::new(false),
            in_park: Cell::new(false),
            searching: Cell::new(false),
            tick: Cell::new(0),
            next_run: Cell::new(0),
            rng: Cell::new(0x9E37_79B9_7F4A_7C15 ^ ((index as u64 + 1) << 17)),
            seen_polls: RefCell::new(vec![0; n]),
            expired: RefCell::new(Vec::new()),
            stand_in,
            dl_watch: Cell::new(None),
            dl_misses: Cell::new(0),
        })
    }

    fn slot(&self) -> &Slot {
        &self.shared.slots[self.index]
    }

    fn rand(&self) -> u64 {
        // xorshift64*
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn schedule_local(&self, task: Task, yielded: bool) {
        let q = &self.slot().queue;
        if self.in_park.get() {
            // Woken by the reactor this thread drives while parked: run it here.
            q.push(task, &self.shared.injector);
            // (With goro's reactor the wake comes after the wait: nothing to end.)
            #[cfg(not(goro_epoll))]
            self.slot().parker.unpark();
        } else if yielded || !self.polling.get() {
            if q.push(task, &self.shared.injector) {
                self.shared.notify_work();
            }
        } else if let Some(old) = q.put_next(task) {
            if q.push(old, &self.shared.injector) {
                self.shared.notify_work();
            }
        } else if !self.shared.run.watcher.load(Relaxed) && self.shared.run.idle.any_idle_relaxed()
        {
            // Nobody watches `next` slots: wake a worker to do so (see `park`).
            self.shared.wake_one(false);
        }
    }

    /// Installs this worker as the thread's current worker, runs the loop, removes it.
    /// `main` is the main goroutine when called from `block_on`.
    pub(crate) fn run<F: Future>(
        self: &Rc<Self>,
        main: Option<(Pin<&mut F>, &Arc<MainWake>)>,
    ) -> Option<F::Output> {
        struct Unset;
        impl Drop for Unset {
            fn drop(&mut self) {
                let _ = WORKER.try_with(|w| w.borrow_mut().take());
                set_current(None);
            }
        }
        WORKER.with(|w| *w.borrow_mut() = Some(self.clone()));
        set_current(Some((self.shared, self.index)));
        let _unset = Unset;
        struct Unbudget;
        impl Drop for Unbudget {
            fn drop(&mut self) {
                super::coop::unconstrained();
            }
        }
        let _unbudget = Unbudget;
        // With `net`, the whole loop runs inside async-io's `block_on`: async-io's own
        // reactor thread then backs off and goro's workers drive I/O themselves (a
        // non-blocking reactor poll every GLOBAL_TICK, and parking in the reactor), so
        // readiness wakes goroutines on a worker, without a third busy thread.
        #[cfg(all(feature = "net", not(goro_epoll)))]
        return async_io::block_on(async { self.run_loop(main) });
        // With goro's own reactor, this thread counts as one that polls it.
        #[cfg(goro_epoll)]
        let _polls = crate::runtime::io::reactor::WorkerGuard::new();
        #[cfg(not(all(feature = "net", not(goro_epoll))))]
        self.run_loop(main)
    }

    /// Processes ready I/O events without blocking (feature `net`).
    #[cfg(goro_epoll)]
    fn poll_reactor(&self) {
        if let Some(r) = crate::runtime::io::reactor::Reactor::existing() {
            r.poll_now();
        }
    }

    /// Processes ready I/O events without blocking (feature `net`).
    #[cfg(all(feature = "net", not(goro_epoll)))]
    fn poll_reactor(&self) {
        let mut polled = false;
        // A future that wakes itself once makes async-io's `block_on` run one
        // non-blocking `react` and then complete.
        async_io::block_on(futures_lite::future::poll_fn(|cx| {
            if polled {
                return Poll::Ready(());
            }
            polled = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }));
    }

    fn run_loop<F: Future>(
        &self,
        mut main: Option<(Pin<&mut F>, &Arc<MainWake>)>,
    ) -> Option<F::Output> {
        let main_waker = main.as_ref().map(|(_, w)| Waker::from((*w).clone()));
        loop {
            if self.shared.run.shutdown.load(Acquire) {
                return None;
            }
            if self.stand_in && self.shared.run.slot0_wanted.load(Relaxed) {
                return None; // a `block_on` caller takes worker 0 over
            }
            if let (Some((fut, wake)), Some(waker)) = (main.as_mut(), main_waker.as_ref()) {
                if wake.woken.swap(false, SeqCst) {
                    let slot = self.slot();
                    slot.polls
                        .store(slot.polls.load(Relaxed).wrapping_add(1), Relaxed);
                    self.polling.set(true);
                    super::coop::reset();
                    let mut cx = Context::from_waker(waker);
                    let (r, wait) =
                        super::wait::tracked_poll(&mut cx, super::wait::NO_BUBBLE, |cx| {
                            fut.as_mut().poll(cx)
                        });
                    let prev = self.shared.run.main_wait.load(Relaxed);
                    let mut now = super::deadlock::encode(wait.wait, prev);
                    if now == 0 {
                        now = 1 << 8; // "parked" even at time 0
                    }
                    self.shared.run.main_wait.store(now, SeqCst);
                    self.polling.set(false);
                    if let Poll::Ready(v) = r {
                        return Some(v);
                    }
                }
            }
            let tick = self.tick.get().wrapping_add(1);
            self.tick.set(tick);
            if tick % GLOBAL_TICK == 0 {
                self.fire_timers();
                #[cfg(feature = "net")]
                self.poll_reactor();
            }
            if let Some(t) = self.next_task(tick) {
                self.run_task(t);
                continue;
            }
            if self.fire_timers() {
                continue;
            }
            // The main goroutine is runnable again (it spent its budget and yielded,
            // or was woken meanwhile): run it instead of searching other workers,
            // whose spin before parking would delay it by microseconds.
            if main.as_ref().is_some_and(|(_, w)| w.woken.load(Relaxed)) {
                continue;
            }
            if let Some(t) = self.search() {
                self.run_task(t);
                continue;
            }
            self.park(main.as_ref().map(|(_, w)| &***w));
        }
    }

    fn next_task(&self, tick: u32) -> Option<Task> {
        let sh = self.shared;
        let q = &self.slot().queue;
        if tick % GLOBAL_TICK == 0 {
            if let Some(t) = sh.injector.pop() {
                return Some(t);
            }
        }
        if let Some(t) = q.take_next() {
            if self.next_run.get() < MAX_NEXT || q.len() == 0 {
                self.next_run.set(self.next_run.get() + 1);
                return Some(t);
            }
            if q.push(t, &sh.injector) {
                sh.notify_work(); // (overflowed to the injector)
            }
        }
        self.next_run.set(0);
        if let Some(t) = q.pop() {
            return Some(t);
        }
        // Take a fair share of the rest into the ring (empty but for `next`, so at
        // most half its capacity cannot overflow it).
        let workers = sh.slots.len();
        let mut moved = false;
        let t = sh.injector.pop_batch(
            |rest| (rest / workers).min(super::queue::CAPACITY as usize / 2),
            |x| {
                q.push_no_overflow(x);
                moved = true;
            },
        )?;
        if moved {
            sh.notify_work();
        }
        Some(t)
    }

    fn run_task(&self, t: Task) {
        if self.searching.replace(false) && self.shared.run.idle.stop_searching() {
            // We were the last searcher and found work: there may be more.
            self.shared.notify_work();
        }
        let slot = self.slot();
        slot.polls
            .store(slot.polls.load(Relaxed).wrapping_add(1), Relaxed);
        slot.current.store(t.metadata().id, Relaxed);
        self.polling.set(true);
        super::coop::reset();
        match self.shared.bubble() {
            None => {
                t.run();
            }
            Some(b) => {
                b.enter_poll();
                t.run();
                b.leave_poll();
            }
        }
        self.polling.set(false);
        slot.current.store(0, Relaxed);
    }

    /// Fires due timers; their goroutines go to this worker's ring.
    fn fire_timers(&self) -> bool {
        let mut buf = self.expired.borrow_mut();
        if !driver::fire_due(&mut buf) {
            return false;
        }
        let n = buf.len();
        for w in buf.drain(..) {
            w.wake();
        }
        n > 0
    }

    fn search(&self) -> Option<Task> {
        let sh = self.shared;
        let n = sh.slots.len();
        if !self.searching.get() {
            if !sh.run.idle.start_searching(n) {
                return None;
            }
            self.searching.set(true);
        }
        let mine = &self.slot().queue;
        for round in 0..SEARCH_ROUNDS {
            let start = (self.rand() % n as u64) as usize;
            for i in 0..n {
                let v = (start + i) % n;
                if v == self.index {
                    continue;
                }
                let victim = &sh.slots[v];
                if let Some(t) = mine.steal_from(&victim.queue) {
                    return Some(t);
                }
                // A `next` task whose worker has not moved on for a whole round is
                // stuck behind a long poll: take it (Go steals `runnext` likewise).
                let polls = victim.polls.load(Relaxed);
                let mut seen = self.seen_polls.borrow_mut();
                if round > 0 && seen[v] == polls {
                    if let Some(t) = victim.queue.take_next() {
                        return Some(t);
                    }
                }
                seen[v] = polls;
            }
            if let Some(t) = sh.injector.pop() {
                return Some(t);
            }
            for _ in 0..64 {
                std::hint::spin_loop();
            }
        }
        None
    }

    /// Parks this worker until there may be work (the protocol is `idle`'s): go
    /// idle, re-check for work, sleep (until the next timer if this worker has the
    /// timer duty, a deadlock look or a stranded-task watch), then leave idle.
    fn park(&self, main: Option<&MainWake>) {
        let sh = self.shared;
        if self.searching.replace(false) {
            sh.run.idle.stop_searching();
        }
        sh.run.idle.go_idle(self.index);
        let mut deadlock_look = None;
        if !self.has_reason_to_stay_awake(main) {
            let parker = &self.slot().parker;
            let mut deadline = driver::claim_sleep(parker);
            let timer_duty = deadline.is_some();
            deadlock_look = self.plan_deadlock_look(main);
            deadline = earliest(deadline, deadlock_look);
            let watching = self.start_watching_stranded();
            if watching {
                deadline = earliest(deadline, Some(std::time::Instant::now() + WATCH_PERIOD));
            }
            self.sleep(parker, deadline);
            if timer_duty {
                driver::release_sleep(parker);
            }
            if watching {
                self.stop_watching_stranded();
            }
        }
        self.look_for_deadlock(deadlock_look, main);
        if sh.run.idle.leave_idle(self.index) {
            // `wake_one` picked us and counted us as searching.
            self.searching.set(true);
        }
    }

    /// After going idle (its fence): work, shutdown, a `block_on` waiting for
    /// worker 0, a woken main goroutine or a due timer keeps this worker awake.
    fn has_reason_to_stay_awake(&self, main: Option<&MainWake>) -> bool {
        let sh = self.shared;
        sh.has_work()
            || sh.run.shutdown.load(SeqCst)
            || (self.stand_in && sh.run.slot0_wanted.load(SeqCst))
            || main.is_some_and(|m| m.woken.load(SeqCst))
            || driver::due()
    }

    /// Watch `next` slots: a task there is stranded if its worker stays in one
    /// poll. One parked worker (the watcher) wakes every `WATCH_PERIOD` to rescue
    /// such tasks, as Go's sysmon does; then nobody needs waking per placement.
    /// `true` if this worker became the watcher (it snapshots the poll counts).
    fn start_watching_stranded(&self) -> bool {
        let sh = self.shared;
        let watching = self.any_next_elsewhere()
            && sh
                .run
                .watcher
                .compare_exchange(false, true, SeqCst, SeqCst)
                .is_ok();
        if watching {
            let mut seen = self.seen_polls.borrow_mut();
            for (i, s) in sh.slots.iter().enumerate() {
                seen[i] = s.polls.load(Relaxed);
            }
        }
        watching
    }

    /// The watcher, awake: gives the role up and runs a stranded task next.
    fn stop_watching_stranded(&self) {
        let sh = self.shared;
        sh.run.watcher.store(false, SeqCst);
        if let Some(t) = self.rescue_stranded() {
            // Run it next; our ring is empty, so this cannot overflow.
            self.slot().queue.push(t, &sh.injector);
        }
    }

    /// Sleeps in the netpoller (or on the parker without `net`) until unparked,
    /// I/O, or `deadline`.
    fn sleep(&self, parker: &Arc<Parker>, deadline: Option<std::time::Instant>) {
        self.in_park.set(true);
        #[cfg(goro_epoll)]
        if crate::runtime::io::reactor::park(parker, deadline) && self.slot().queue.len() > 1 {
            // The reactor woke several goroutines onto our ring: share them.
            self.shared.notify_work();
        }
        #[cfg(all(feature = "net", not(goro_epoll)))]
        parker.park_in_reactor(deadline);
        #[cfg(not(feature = "net"))]
        parker.park(deadline);
        self.in_park.set(false);
    }

    fn any_next_elsewhere(&self) -> bool {
        let sh = self.shared;
        sh.slots
            .iter()
            .enumerate()
            .any(|(i, s)| i != self.index && s.queue.has_next())
    }

    /// Takes a `next` task from a worker that has not finished a poll since we parked.
    fn rescue_stranded(&self) -> Option<Task> {
        let sh = self.shared;
        let seen = self.seen_polls.borrow();
        sh.slots.iter().enumerate().find_map(|(i, s)| {
            (i != self.index && s.polls.load(Relaxed) == seen[i] && s.queue.has_next())
                .then(|| s.queue.take_next())
                .flatten()
        })
    }

    /// Called when `block_on` leaves worker 0: hand its tasks to the others.
    pub(crate) fn hand_off(&self) {
        let sh = self.shared;
        // Timers this thread armed may now rely on the other workers.
        if driver::armed_without_sleeper() {
            sh.wake_one(true);
        }
        if self.searching.replace(false) {
            sh.run.idle.stop_searching();
        }
        let q = &self.slot().queue;
        let mut any = false;
        while let Some(t) = q.take_next().or_else(|| q.pop()) {
            sh.injector.push(t);
            any = true;
        }
        if any {
            sh.notify_work();
        }
    }
}

/// The earlier of two optional deadlines.
fn earliest(
    a: Option<std::time::Instant>,
    b: Option<std::time::Instant>,
) -> Option<std::time::Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}
