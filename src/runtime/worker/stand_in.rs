//! Worker 0's stand-in thread and how a `block_on` caller takes worker 0 over: the
//! protocol of `slot0` (its docs describe it), as the worker runs it.

use super::*;
use crate::runtime::slot0::Slot0Owner;
use crate::runtime::threads;

/// The stand-in for worker 0 (single-worker runtimes from `Builder::build`, the
/// global runtime): runs worker 0 whenever no `block_on` caller does, and steps
/// aside (handing its queued goroutines over) when one wants it.
pub(crate) fn stand_in_loop(shared: &'static Shared, id: u64) {
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
pub(crate) fn take_slot0(shared: &Shared) -> bool {
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
