//! Deadlock detection: Go's "fatal error: all goroutines are asleep - deadlock!".
//!
//! # How goro knows a goroutine is asleep on goro alone
//!
//! Every goroutine poll is tracked (see `wait`): goro's primitives declare what they
//! wait on through one seam and store the task's own waker, and a poll that cloned
//! its waker left it with something goro cannot see into (a socket, a foreign
//! channel, another executor's timer). Such a goroutine is *foreign* until it
//! finishes, and while any goroutine is foreign goro never reports a deadlock (no
//! false positives).
//!
//! # When goro reports one: exact or silent
//!
//! A correct program must never be stopped: goro reports a deadlock only when it can
//! prove that nothing can ever wake any goroutine again, and stays silent whenever
//! it cannot. Worker 0 (the thread in `run`/`block_on`, which polls the main
//! goroutine) checks, after it has been parked with its runtime quiet for
//! [`FIRST_LOOK`], and then less and less often (up to every [`LAST_LOOK`]) while
//! the check fails without anything else happening. The check reports when all of
//! these hold:
//!
//! - (a) every worker of the runtime is idle and nothing is queued; the main
//!   goroutine and every goroutine wait on goro primitives only (no goroutine is
//!   foreign, so none waits on I/O or another crate's future); no timer is armed; no
//!   blocking-pool job is queued or running; no thread is in a `_blocking` call;
//! - (b) the threads of the process, listed from `/proc/self/task`, are exactly the
//!   threads goro started and recorded (see `threads`): this runtime's workers
//!   (worker 0 included, or its stand-in) and goro's process-wide helpers (the
//!   blocking pool's threads, the `goro-netpoll` thread). The threads of any other
//!   goro runtime in the process count as foreign;
//! - (c) (a) holds before and after (b) was read, and a *progress* number read
//!   before the first (a) and after the second is unchanged: it counts goroutine
//!   polls, wakes from threads that are not this runtime's workers, and workers
//!   leaving the idle state.
//!
//! Then `run` panics with Go's message and a dump of the goroutines and what each
//! waits on.
//!
//! Why that is exact: only a thread can wake a goroutine (a signal handler cannot:
//! goro's primitives are not async-signal-safe, so a handler must not touch them).
//! By (b), when `/proc/self/task` was read no thread outside goro's record was alive,
//! so every foreign thread that ever existed had ended, and what it did before ending
//! (a send, a wake, a timer armed, a job queued, a thread started) is visible to the
//! second check of (a) or changed the progress number. goro's own threads can only
//! wake a goroutine by running: a worker leaves the idle state first (progress), a
//! pool thread runs a job (counted from before it starts until after its wake), the
//! netpoll thread only wakes goroutines that wait on I/O (foreign, so not quiet),
//! and a new thread can only be started by code that runs. So by (a) and (c) nothing
//! ran between the two checks, and nothing is left that could ever run.
//!
//! Races that could go wrong, and why they cannot: a foreign thread that sends and
//! then ends is either listed (silent, checked again later) or ended before the
//! listing, so its wake is in the state or the progress number; a thread being
//! started by goro is listed by the kernel before it records itself, and a goro
//! thread that is ending has removed itself while still listed: both count as
//! foreign, which only keeps the detector silent; the record is locked during the
//! listing, so a listed thread id is never the reused id of a thread that ended.
//! A blocking-pool job's `pending` count drops inside the job just before it wakes
//! its goroutine, so the pool also counts the job as running until `run` returned;
//! and each check of (a) reads the pool, `_blocking` callers and timers *before* the
//! state their wakes change (main's woken flag, which no progress number counts,
//! queues, idle workers): a job seen finished has its wake seen too.
//!
//! Consequences a user can check: a program whose threads are all goro's (no
//! `std::thread::spawn`, no library thread, no other executor or goro runtime alive)
//! gets Go's report; any other thread alive keeps it silent for as long as it lives,
//! however long it stays quiet, because it may still send. On systems without
//! `/proc/self/task` (everything but Linux and Android) detection is always silent.
//! Under `cargo test` libtest's own threads are alive, so a `#[test]` never sees a
//! report (goro's own tests check detection in child processes: `tests/deadlock.rs`).
//!
//! Cost: nothing per operation. Threads record themselves when they start and end;
//! `/proc` is read only by the check, which runs only while the runtime is quiet.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use super::wait::{WAITS, WaitKind};

/// How long worker 0 stays parked quiet before it first checks for a deadlock. Not
/// a guess about other threads (the check is exact): it only spares a program whose
/// main goroutine parks often (fed by a plain thread, say) the cost of listing its
/// threads each time.
pub(crate) const FIRST_LOOK: Duration = Duration::from_millis(100);

/// The longest pause between two checks that could not prove a deadlock (a foreign
/// thread was alive, a timer armed, ...): checks back off from [`FIRST_LOOK`] to this.
pub(crate) const LAST_LOOK: Duration = Duration::from_secs(5);

/// The pause before the next check after `misses` checks in a row proved nothing.
pub(crate) fn next_look(misses: u32) -> Duration {
    FIRST_LOOK
        .saturating_mul(1u32 << misses.min(16))
        .min(LAST_LOOK)
}

/// A goroutine's wait state in one word: `FOREIGN` bit | `RUNNABLE` bit | since
/// (ms, 32 bits) << 8 | wait kind.
pub(crate) const FOREIGN: u64 = 1 << 63;
/// Set when the goroutine is scheduled (woken), cleared when a poll returns
/// `Pending` again: for dumps only.
pub(crate) const RUNNABLE: u64 = 1 << 62;
/// Set while a goroutine of a synctest bubble is durably blocked (see `bubble`):
/// set by its own poll, cleared by the wake that schedules it.
pub(crate) const DURABLE: u64 = 1 << 61;

pub(crate) fn encode(wait: Option<WaitKind>, prev: u64) -> u64 {
    match wait {
        None => FOREIGN | (prev & !(FOREIGN | RUNNABLE | DURABLE)),
        Some(w) => {
            let prev = prev & !(RUNNABLE | DURABLE);
            let since = if prev & 0xff == w as u64 && prev != 0 {
                (prev >> 8) & 0xffff_ffff // same wait as before: keep its start
            } else {
                super::time::driver::coarse_ms() & 0xffff_ffff
            };
            (prev & FOREIGN) | (since << 8) | w as u64
        }
    }
}

/// `(wait name, waiting for)` of an encoded state, or `None` if foreign.
pub(crate) fn decode(word: u64) -> (Option<WaitKind>, Duration) {
    let since = Duration::from_millis((word >> 8) & 0xffff_ffff);
    let waited = Duration::from_millis(super::time::driver::coarse_ms()).saturating_sub(since);
    if word & FOREIGN != 0 {
        (None, waited)
    } else {
        (Some(WAITS[(word & 0xff) as usize % WAITS.len()]), waited)
    }
}

/// Threads blocked in a goro `_blocking` call (they can wake goroutines).
pub(crate) static BLOCKED_THREADS: AtomicUsize = AtomicUsize::new(0);

/// Panics if called on a goro worker thread (see [`blocking`]): the check at the
/// top of every `_blocking` method, one thread-local read.
#[track_caller]
pub(crate) fn forbid_in_goroutine(what: &'static str, instead: &'static str) {
    if super::shared::on_worker() {
        panic!(
            "goro: {what} called from inside a goroutine: it would block a worker \
             thread (and every goroutine waiting for it); use `{instead}` instead, \
             or call it inside `goro::unblock(..)`"
        );
    }
}

/// Runs a `_blocking` call: no cooperative budget, and counted as a thread that may
/// wake goroutines.
///
/// # Panics
/// On a goro worker thread (inside a goroutine, the main goroutine included): the
/// call would block the worker, and with it every goroutine queued there, possibly
/// for ever. The message names the method and the async form to use (`what`,
/// `instead`), as tokio's `blocking_recv` does inside a runtime. From a plain thread
/// or inside `unblock(..)` (a blocking-pool thread) it runs.
#[track_caller]
pub(crate) fn blocking<R>(what: &'static str, instead: &'static str, f: impl FnOnce() -> R) -> R {
    forbid_in_goroutine(what, instead);
    struct Dec;
    impl Drop for Dec {
        fn drop(&mut self) {
            BLOCKED_THREADS.fetch_sub(1, SeqCst);
        }
    }
    BLOCKED_THREADS.fetch_add(1, SeqCst);
    let _dec = Dec;
    super::coop::unconstrained_while(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        let w = encode(Some(WaitKind::Mutex), 0);
        assert_eq!(decode(w).0, Some(WaitKind::Mutex));
        let f = encode(None, w);
        assert_eq!(decode(f).0, None);
        assert_eq!(
            decode(encode(Some(WaitKind::Select), f)).0,
            None,
            "foreign is sticky"
        );
    }
}
