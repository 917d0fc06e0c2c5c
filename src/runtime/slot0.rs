//! Who runs worker 0 of a runtime, and how it changes hands.
//!
//! Worker 0 is the worker that polls the main goroutine: the thread in
//! `run`/`block_on` runs it while it waits (Go's main thread on P0). A runtime that
//! must run goroutines with nobody in `block_on` (one built by `Builder::build` with
//! a single worker, and the global runtime) also has a *stand-in* thread for it.
//!
//! Protocol (one mutex, one condvar; nothing here is on a hot path):
//! - `block_on` takes worker 0 if it is free. If the stand-in has it, the caller
//!   counts itself in `wanted`, raises `slot0_wanted` and unparks worker 0; the
//!   stand-in sees the flag at its next scheduler tick or before it parks (so after
//!   its current poll), hands its queued goroutines to the injector, frees worker 0
//!   and notifies. If another `block_on` caller has it, the new caller polls its
//!   future on its own thread instead (no deadlock detection for that one).
//! - The stand-in takes worker 0 back only when it is free and nobody wants it, and
//!   leaves for good at shutdown (checked under the mutex, which `begin_shutdown`
//!   takes before it notifies).
//! - The invariant: at most one thread runs worker 0 at a time, and whenever a
//!   stand-in exists and no caller holds worker 0, the stand-in runs it (so a
//!   goroutine queued on worker 0 or in the injector is never stranded).

use super::threads;
use super::worker::{Shared, Worker};
use std::sync::atomic::Ordering::SeqCst;

/// Who runs worker 0 of a runtime: nobody, a `block_on` caller (with its main
/// goroutine), or the runtime's stand-in thread (single-worker runtimes from
/// `Builder::build` and the global runtime), which steps aside when a `block_on`
/// caller wants worker 0.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Slot0Owner {
    #[default]
    Free,
    Caller,
    StandIn,
}

#[derive(Default, Debug)]
pub(crate) struct Slot0State {
    pub(crate) owner: Slot0Owner,
    /// `block_on` callers waiting for the stand-in to step aside.
    pub(crate) wanted: usize,
}

/// The stand-in for worker 0 (single-worker runtimes from `Builder::build`, the
/// global runtime): runs worker 0 whenever no `block_on` caller does, and steps
/// aside (handing its queued goroutines over) when one wants it.
pub(super) fn stand_in_loop(shared: &'static Shared, id: u64) {
    let _goro_thread = threads::register(id);
    loop {
        {
            let mut st = shared.run.slot0.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if shared.run.shutdown.load(SeqCst) {
                    return;
                }
                if st.owner == Slot0Owner::Free && st.wanted == 0 {
                    st.owner = Slot0Owner::StandIn;
                    break;
                }
                st = shared.slot0_cv.wait(st).unwrap_or_else(|e| e.into_inner());
            }
        }
        let w = Worker::stand_in(shared);
        w.run::<std::future::Pending<()>>(None);
        w.hand_off();
        shared
            .run
            .slot0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .owner = Slot0Owner::Free;
        shared.slot0_cv.notify_all();
    }
}

/// Makes the calling thread worker 0 if nobody else runs it as a `block_on` caller
/// (the stand-in, if it runs it, steps aside: this waits for its current poll);
/// false if another `block_on` caller does.
pub(super) fn take_slot0(shared: &Shared) -> bool {
    let mut st = shared.run.slot0.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        match st.owner {
            Slot0Owner::Free => {
                st.owner = Slot0Owner::Caller;
                return true;
            }
            Slot0Owner::Caller => return false,
            Slot0Owner::StandIn => {
                st.wanted += 1;
                shared.run.slot0_wanted.store(true, SeqCst);
                shared.slots[0].parker.unpark();
                st = shared.slot0_cv.wait(st).unwrap_or_else(|e| e.into_inner());
                st.wanted -= 1;
                if st.wanted == 0 {
                    shared.run.slot0_wanted.store(false, SeqCst);
                }
            }
        }
    }
}
