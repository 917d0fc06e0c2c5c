//! The deadlock watch and the goroutine dump over a runtime's [`Shared`] state:
//! rule (a) of `runtime::deadlock` (is every goroutine provably blocked on goro
//! primitives?), worker 0's looks for a deadlock while it parks, and the listing
//! of goroutines that `runtime::dump` prints.

use std::sync::atomic::Ordering::*;

use super::{MainWake, Shared, Worker};
use crate::runtime::time::driver;

impl Shared {
    /// Rule (a) of `deadlock`: every worker idle, nothing queued, main and every
    /// goroutine waiting on goro primitives, no timer armed, no blocking-pool job,
    /// no thread in a `_blocking` call. Called by worker 0, parked and idle.
    ///
    /// The sources of wake-ups that are not workers (a pool job, a thread in a
    /// `_blocking` call, a timer) are read first, the state they would change
    /// (main's `woken`, queues, idle workers) after: a pool job counts as running
    /// until after its wake, so if it is seen done here, its wake is seen below.
    fn deadlock_candidate(&self, main: &MainWake) -> bool {
        use crate::runtime::deadlock::BLOCKED_THREADS;
        !crate::runtime::blocking::busy()
            && BLOCKED_THREADS.load(SeqCst) == 0
            && driver::live() == 0
            && self.locally_quiet(main)
    }

    /// The whole rule of `deadlock`: (a) before and after (b) (every thread of the
    /// process is one of this runtime's or a goro helper), with (c) no progress
    /// across. Reads `/proc`: only at a candidate report, never on a hot path.
    pub(crate) fn provably_deadlocked(&self, main: &MainWake) -> bool {
        let before = self.progress();
        self.deadlock_candidate(main)
            && crate::runtime::threads::only_goro(self.run.id.load(SeqCst))
            && self.deadlock_candidate(main)
            && self.progress() == before
    }

    /// The part of [`deadlock_candidate`](Self::deadlock_candidate) that only this
    /// runtime decides: all workers idle, nothing queued, main and every goroutine
    /// waiting on goro primitives.
    pub(super) fn locally_quiet(&self, main: &MainWake) -> bool {
        use crate::runtime::deadlock::FOREIGN;
        let mw = self.run.main_wait.load(SeqCst);
        self.run.detect_deadlock.load(Relaxed)
            && self.run.idle.num_idle() == self.slots.len()
            && !main.woken.load(SeqCst)
            && mw != 0
            && mw & FOREIGN == 0
            && self.run.foreign_goroutines.load(SeqCst) == 0
            && self.injector.is_empty()
            && self
                .slots
                .iter()
                .all(|s| s.queue.len() == 0 && !s.queue.has_next())
    }

    /// A number that changes whenever a goroutine runs, a worker leaves the idle
    /// state or a goroutine is woken from outside.
    pub(super) fn progress(&self) -> u64 {
        self.run.idle.epoch()
            + self.run.remote_wakes.load(SeqCst)
            + self
                .slots
                .iter()
                .map(|s| s.polls.load(SeqCst) as u64)
                .sum::<u64>()
    }

    /// A snapshot of the goroutines that have parked at least once, and how many
    /// others are alive (spawned and not yet parked).
    pub(crate) fn snapshot(&self) -> (Vec<crate::runtime::GoroutineInfo>, usize) {
        use crate::runtime::GoroutineState;
        use crate::runtime::deadlock::{RUNNABLE, decode};
        let running: Vec<u64> = self.slots.iter().map(|s| s.current.load(Relaxed)).collect();
        let mut rows = Vec::new();
        self.registry.for_each(|m| {
            let word = m.wait.load(SeqCst);
            let (wait, waited) = decode(word);
            let state = if running.contains(&m.id) {
                GoroutineState::Running
            } else if word & RUNNABLE != 0 {
                GoroutineState::Runnable
            } else {
                GoroutineState::Waiting
            };
            rows.push(crate::runtime::GoroutineInfo {
                id: m.id,
                name: crate::runtime::names::get(m.id),
                location: m.location,
                state,
                waiting_on: (state == GoroutineState::Waiting)
                    .then(|| wait.map_or("foreign future", |w| w.name())),
                waiting_for: if state == GoroutineState::Waiting {
                    waited
                } else {
                    Default::default()
                },
            });
        });
        rows.sort_by_key(|r| r.id);
        let live = self
            .num_goroutines()
            .saturating_sub(self.run.mains.load(SeqCst));
        let others = live.saturating_sub(rows.len());
        (rows, others)
    }

    /// The goroutine dump (Go's SIGQUIT format, roughly).
    pub(crate) fn dump(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let (wait, waited) = crate::runtime::deadlock::decode(self.run.main_wait.load(SeqCst));
        let loc = *self
            .run
            .main_location
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(loc) = loc.filter(|_| self.run.mains.load(SeqCst) > 0) {
            let _ = writeln!(
                out,
                "goroutine main [{}{}]:\n\tgoro::run at {loc}",
                wait.map_or("foreign future", |w| w.name()),
                minutes(waited),
            );
        }
        out.push_str(&self.dump_goroutines());
        out
    }

    /// The goroutines part of the dump (every goroutine but the main ones).
    pub(crate) fn dump_goroutines(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let (rows, others) = self.snapshot();
        for g in rows {
            let state = match (g.state, g.waiting_on) {
                (crate::runtime::GoroutineState::Waiting, Some(w)) => {
                    format!("{w}{}", minutes(g.waiting_for))
                }
                (crate::runtime::GoroutineState::Running, _) => "running".into(),
                _ => "runnable".into(),
            };
            let name = g.name.map(|n| format!(" \"{n}\"")).unwrap_or_default();
            let _ = writeln!(
                out,
                "\ngoroutine {}{name} [{state}]:\n\tspawned at {}",
                g.id, g.location
            );
        }
        if others > 0 {
            let _ = writeln!(
                out,
                "\n... and {others} goroutine(s) that have not parked yet (runnable, or running their first poll)"
            );
        }
        out
    }
}

/// Go prints how long a goroutine has waited once it is a minute or more.
fn minutes(d: std::time::Duration) -> String {
    match d.as_secs() / 60 {
        0 => String::new(),
        1 => ", 1 minute".into(),
        m => format!(", {m} minutes"),
    }
}

impl Worker {
    /// Deadlock: while this runtime is quiet, worker 0 (the thread in `block_on`,
    /// with the main goroutine) looks after `FIRST_LOOK`, then less and less often
    /// while it cannot prove one (a foreign thread may leave); the last other
    /// worker to go idle makes it start watching at once. Returns when worker 0
    /// should look.
    pub(super) fn plan_deadlock_look(&self, main: Option<&MainWake>) -> Option<std::time::Instant> {
        let sh = self.shared;
        match main {
            Some(m) if sh.locally_quiet(m) => {
                let p = sh.progress();
                let until = match self.dl_watch.get() {
                    // Nothing happened since, but our own wake: same look.
                    Some((seen, until)) if p == seen.wrapping_add(1) => until,
                    _ => {
                        self.dl_misses.set(0);
                        std::time::Instant::now() + crate::runtime::deadlock::FIRST_LOOK
                    }
                };
                self.dl_watch.set(Some((p, until)));
                Some(until)
            }
            None if sh.run.detect_deadlock.load(Relaxed)
                && sh.run.mains.load(Relaxed) > 0
                && sh.run.idle.num_idle() == sh.slots.len() =>
            {
                sh.slots[0].parker.unpark();
                None
            }
            _ => None,
        }
    }

    /// After the sleep: if the planned look is due, report a provable deadlock
    /// (Go's fatal error), or plan the next look, backing off.
    pub(super) fn look_for_deadlock(
        &self,
        look: Option<std::time::Instant>,
        main: Option<&MainWake>,
    ) {
        let sh = self.shared;
        match (look, main) {
            (Some(until), Some(m)) if std::time::Instant::now() >= until => {
                if sh.provably_deadlocked(m) {
                    let dump = sh.dump();
                    panic!("fatal error: all goroutines are asleep - deadlock!\n\n{dump}");
                }
                let misses = self.dl_misses.get().saturating_add(1);
                self.dl_misses.set(misses);
                let next = std::time::Instant::now() + crate::runtime::deadlock::next_look(misses);
                self.dl_watch.set(Some((sh.progress(), next)));
            }
            (None, _) => self.dl_watch.set(None),
            _ => {}
        }
    }
}
