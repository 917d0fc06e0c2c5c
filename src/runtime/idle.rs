//! The idle/searching protocol of the workers (Go's `wakep` / `resetspinning`,
//! tokio's `multi_thread/idle.rs`): who sleeps, who searches, and who wakes whom.
//!
//! # Algorithm
//!
//! A worker that runs out of local work becomes a *searcher* (it steals from the
//! others), unless about half the active workers are searching already (Go's rule:
//! more searchers only fight over the same victims). A searcher that finds nothing
//! *goes idle*: it stops searching, registers in the idle list, and parks.
//!
//! Whoever makes work stealable (a push onto an empty ring, a push to the injector)
//! asks [`Idle::should_wake`]: a parked worker is woken only when nobody searches
//! and somebody sleeps. [`Idle::pick`] takes one sleeper off the list and counts it
//! as searching on its behalf, so a burst of pushes wakes one worker, which wakes the
//! next only when it finds work and stops searching as the last searcher
//! ([`Idle::stop_searching`] returns `true`).
//!
//! # Invariants (no lost wake-up)
//!
//! - [`Idle::go_idle`] registers the worker (under the list's lock, then the
//!   `SeqCst` increment of `num_idle`) and then issues a `SeqCst` fence, after which
//!   the caller re-checks every ring and the injector before it parks.
//!   [`Idle::should_wake`] issues a `SeqCst` fence after the push and then reads
//!   the counters. With the two fences this is Dekker's pattern: either the pusher
//!   sees the sleeper (or a searcher, who will find the work), or the sleeper sees
//!   the work.
//! - A worker is in the list at most once; [`Idle::leave_idle`] after its park tells
//!   it whether it left by itself (it was still listed) or was picked (then it is
//!   already counted as searching and must act as a searcher).
//! - `epoch` grows whenever a worker leaves the idle state, so two equal readings
//!   while every worker was idle prove that nothing ran in between (the deadlock
//!   check relies on it).
//!
//! The loom model `runtime::loom_idle` runs this code (with the real
//! [`Parker`](super::park::Parker)) against pushes from another thread.

use crate::loom::sync::atomic::{AtomicU64, AtomicUsize, fence};
use crate::loom::sync::{Mutex, MutexGuard};
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

/// The idle state of one runtime's workers.
#[derive(Debug)]
pub(crate) struct Idle {
    sleepers: Mutex<Sleepers>,
    num_idle: AtomicUsize,
    num_searching: AtomicUsize,
    epoch: AtomicU64,
}

/// The parked workers that a pusher may wake.
#[derive(Debug)]
struct Sleepers {
    list: Vec<usize>,
    listed: Vec<bool>,
}

impl Idle {
    /// The state of `n` workers, all running (none idle, none searching).
    pub(crate) fn new(n: usize) -> Idle {
        Idle {
            sleepers: Mutex::new(Sleepers {
                list: Vec::with_capacity(n),
                listed: vec![false; n],
            }),
            num_idle: AtomicUsize::new(0),
            num_searching: AtomicUsize::new(0),
            epoch: AtomicU64::new(0),
        }
    }

    fn sleepers(&self) -> MutexGuard<'_, Sleepers> {
        self.sleepers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// After work was made stealable: whether a parked worker should be woken
    /// (nobody searches, somebody sleeps). The pusher's half of the Dekker pair.
    #[inline]
    pub(crate) fn should_wake(&self) -> bool {
        fence(SeqCst);
        self.num_searching.load(Relaxed) == 0 && self.num_idle.load(Relaxed) != 0
    }

    /// Takes one sleeper off the list and counts it as searching on its behalf;
    /// the caller unparks it. Unless `force`, nobody is picked while a worker
    /// searches (the searcher will find the work).
    pub(crate) fn pick(&self, force: bool) -> Option<usize> {
        let mut s = self.sleepers();
        if !force && self.num_searching.load(SeqCst) != 0 {
            return None;
        }
        let i = s.list.pop()?;
        s.listed[i] = false;
        self.num_idle.fetch_sub(1, SeqCst);
        self.epoch.fetch_add(1, SeqCst);
        self.num_searching.fetch_add(1, SeqCst);
        Some(i)
    }

    /// Whether a worker that is not searching may start (at most about half of the
    /// `workers - idle` active workers search); if so it is counted as searching.
    pub(crate) fn start_searching(&self, workers: usize) -> bool {
        let active = workers - self.num_idle.load(SeqCst);
        if 2 * self.num_searching.load(SeqCst) >= active.max(1) {
            return false;
        }
        self.num_searching.fetch_add(1, SeqCst);
        true
    }

    /// A searcher stops searching; `true` if it was the last one (then, having
    /// found work, it should call [`should_wake`](Self::should_wake): there may be
    /// more).
    pub(crate) fn stop_searching(&self) -> bool {
        self.num_searching.fetch_sub(1, SeqCst) == 1
    }

    /// Registers worker `index` as idle, then fences: the caller must re-check for
    /// work after this and before it parks. The sleeper's half of the Dekker pair.
    pub(crate) fn go_idle(&self, index: usize) {
        {
            let mut s = self.sleepers();
            debug_assert!(!s.listed[index]);
            s.listed[index] = true;
            s.list.push(index);
            self.num_idle.fetch_add(1, SeqCst);
        }
        fence(SeqCst);
    }

    /// Worker `index` leaves the idle state after its park. `true` if a pusher
    /// picked it (it is counted as searching already and must search); `false` if
    /// it was still listed and has now removed itself.
    pub(crate) fn leave_idle(&self, index: usize) -> bool {
        let mut s = self.sleepers();
        if !s.listed[index] {
            return true;
        }
        s.listed[index] = false;
        let pos = s.list.iter().position(|&i| i == index);
        s.list
            .swap_remove(pos.expect("a listed worker is in the list"));
        self.num_idle.fetch_sub(1, SeqCst);
        self.epoch.fetch_add(1, SeqCst);
        false
    }

    /// Workers registered idle now.
    #[inline]
    pub(crate) fn num_idle(&self) -> usize {
        self.num_idle.load(SeqCst)
    }

    /// A cheap look at `num_idle` (no ordering), for heuristics only.
    #[inline]
    pub(crate) fn any_idle_relaxed(&self) -> bool {
        self.num_idle.load(Relaxed) > 0
    }

    /// Makes `self` equal to `fresh` (an [`Idle::new`], for a recycled runtime whose
    /// workers have all exited), field by field: each counter with an atomic store,
    /// the sleepers under their lock. The destructuring is exhaustive, so a field
    /// added to `Idle` must be reset here.
    pub(crate) fn reset_to(&self, fresh: Idle) {
        let Idle {
            sleepers,
            num_idle,
            num_searching,
            epoch,
        } = fresh;
        *self.sleepers() = sleepers.into_inner().unwrap_or_else(|e| e.into_inner());
        #[cfg(not(loom))]
        self.sleepers.clear_poison();
        self.num_idle.store(num_idle.load(SeqCst), SeqCst);
        self.num_searching.store(num_searching.load(SeqCst), SeqCst);
        self.epoch.store(epoch.load(SeqCst), SeqCst);
    }

    /// Grows whenever a worker leaves the idle state.
    #[inline]
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(SeqCst)
    }
}
