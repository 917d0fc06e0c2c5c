//! The state a runtime's workers, goroutines and handles share: [`Shared`] (the
//! structure, built once, and the per-run state [`Run`]) and each goroutine's
//! [`Meta`], which refers to its runtime's `Shared`. The two refer to each other
//! (a runtime queues tasks carrying `Meta`; a `Meta` points at its runtime), which
//! is why they live in one file; the scheduler's code (`worker`) and the goroutine
//! wrapper (`task`) both build on this file, and it builds on the leaves only (run
//! queue, registry, idle protocol, parker, bubble).
//!
//! Also here: which runtime and worker this thread works for ([`current`],
//! [`on_worker`], [`shard_hint`]), one thread-local set by the worker loop.

use std::cell::Cell;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Condvar, Mutex};

use super::idle::Idle;
use super::injector::Injector;
use super::park::Parker;
use super::queue::Local;
use super::registry::Registry;
use super::slot0::Slot0State;

/// A goroutine as the scheduler moves it around.
pub(crate) type Task = async_task::Runnable<Meta>;

/// The line thieves write (`head` of the ring) is kept apart from the owner's own
/// counters so stealing does not keep invalidating them.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

/// A worker's structural part of [`Shared`]: its run queue and parker, and the
/// scheduler's bookkeeping written next to the queue on every poll. Per-run state
/// goes into [`Run`], not here (see `lifecycle`).
pub(crate) struct Slot {
    pub(crate) queue: Local<Meta>,
    pub(crate) parker: Arc<Parker>,
    /// Goroutines polled on this worker (thieves use it to spot a stuck `next`).
    /// Only compared with earlier readings of the same run: no meaning across runs.
    pub(crate) polls: AtomicU32,
    /// The id of the goroutine being polled, 0 if none (for dumps): 0 whenever no
    /// poll is in progress, so at the end of every run.
    pub(crate) current: AtomicU64,
}

/// Goroutines spawned and finished by one worker (only it writes them).
#[derive(Default, Debug)]
pub(crate) struct Counts {
    pub(crate) spawned: AtomicU64,
    pub(crate) finished: AtomicU64,
}

/// State shared by a runtime's workers and handles: the structure (queues,
/// parkers, registry, injector), built once, and the state of one run ([`Run`]),
/// built fresh for every runtime.
///
/// A `Shared` is never freed: goroutines refer to it by `&'static` (no reference
/// count touched per spawn, the line every core would fight over), and a shut-down
/// runtime's `Shared` is recycled by the next runtime with as many workers. Stale
/// references can only come from goroutines of a finished runtime, which are all
/// closed (async-task never schedules a closed task), so the worst a stale reference
/// can do is a spurious wake-up. How the per-run state is made fresh again (exactly,
/// and without racing such stale references) is in `lifecycle`'s docs.
pub(crate) struct Shared {
    pub(crate) slots: Box<[Slot]>,
    pub(crate) injector: Injector<Task>,
    pub(crate) registry: Registry<Meta>,
    /// Signals changes of `run.slot0`.
    pub(crate) slot0_cv: Condvar,
    /// This run's state, inline (no pointer to follow on a hot path).
    pub(crate) run: Run,
}

/// The per-run state of a [`Shared`]: everything a run changes that the next run
/// must find as [`Run::new`] builds it. A recycled `Shared` is reset by moving a
/// fresh `Run` into place field by field (`Run::reset_to`, in `lifecycle`), so a
/// field added here must be reset there or the build fails.
#[derive(Debug)]
pub(crate) struct Run {
    /// This runtime's id (fresh for every runtime, also a recycled `Shared`): the
    /// owner of its threads in `threads`.
    pub(crate) id: AtomicU64,
    pub(crate) panic_abort: AtomicBool,
    /// Deadlock detection (see `deadlock`): on, goroutines whose waker is held by
    /// something foreign, the main goroutine's wait state, wakes from outside.
    pub(crate) detect_deadlock: AtomicBool,
    /// Spawned/finished counts of each worker, one padded line per worker.
    pub(crate) counts: Box<[Padded<Counts>]>,
    pub(crate) foreign_spawned: AtomicU64,
    pub(crate) foreign_finished: AtomicU64,
    /// Main goroutines (`block_on` calls) in progress: they count in `num_goroutines`.
    pub(crate) mains: AtomicUsize,
    /// Who sleeps and who searches (see `idle`).
    pub(crate) idle: Idle,
    pub(crate) shutdown: AtomicBool,
    pub(crate) closed: AtomicBool,
    /// Who runs worker 0 (see `slot0`); `Shared::slot0_cv` signals its changes.
    pub(crate) slot0: Mutex<Slot0State>,
    /// A `block_on` caller waits for the stand-in to give worker 0 up.
    pub(crate) slot0_wanted: AtomicBool,
    /// Whether a parked worker is watching for stranded `next` tasks.
    pub(crate) watcher: AtomicBool,
    pub(crate) foreign_goroutines: AtomicUsize,
    pub(crate) main_wait: AtomicU64,
    pub(crate) main_location: Mutex<Option<&'static std::panic::Location<'static>>>,
    pub(crate) remote_wakes: AtomicU64,
    /// The synctest bubble this runtime hosts (null for every other runtime): set
    /// before its first goroutine, reset by `retire`. Bubbles are never freed.
    /// On a line of its own: every goroutine poll reads it, and nothing writes it
    /// during a run (next to the counters above, their writes would evict it).
    pub(crate) bubble: Padded<std::sync::atomic::AtomicPtr<super::bubble::Bubble>>,
}

/// Set in [`Meta::state`] by [`JoinHandle::cancel`].
pub(crate) const CANCEL: u64 = 1 << 62;
/// The registry-key bits of [`Meta::state`] (0 = not registered).
pub(crate) const KEY: u64 = !CANCEL;

/// Per-goroutine metadata, stored in the task allocation (32 bytes).
pub(crate) struct Meta {
    pub(crate) shared: Option<&'static Shared>,
    pub(crate) id: u64,
    pub(crate) location: &'static Location<'static>,
    /// `CANCEL` bit | registry key (0 when not registered).
    pub(crate) state: AtomicU64,
    /// What the goroutine waits on (see `deadlock::encode`) and its `DURABLE` bit; 0 until it parks.
    pub(crate) wait: AtomicU64,
}

impl Meta {
    pub(crate) fn new(
        shared: &'static Shared,
        id: u64,
        location: &'static Location<'static>,
    ) -> Meta {
        Meta {
            shared: Some(shared),
            id,
            location,
            state: AtomicU64::new(0),
            wait: AtomicU64::new(0),
        }
    }

    pub(crate) fn shared(&self) -> &'static Shared {
        self.shared.expect("goroutine without a runtime")
    }
}

thread_local! {
    /// The runtime and worker index of this thread while it runs a worker loop.
    static CURRENT: Cell<Option<(&'static Shared, usize)>> = const { Cell::new(None) };
    /// The runtime of a thread inside `block_on` that is not one of its workers.
    static HANDLE: Cell<Option<&'static Shared>> = const { Cell::new(None) };
}

pub(crate) static RETIRED: Mutex<Vec<&'static Shared>> = Mutex::new(Vec::new());

/// Makes this thread worker `index` of `shared` (`None`: no worker any more).
pub(crate) fn set_current(w: Option<(&'static Shared, usize)>) {
    let _ = CURRENT.try_with(|c| c.set(w));
}

fn current_worker() -> Option<(&'static Shared, usize)> {
    CURRENT.try_with(Cell::get).ok().flatten()
}

/// The runtime a `go` on this thread spawns onto, if any (worker or `block_on`).
pub(crate) fn current() -> Option<&'static Shared> {
    current_worker()
        .map(|(s, _)| s)
        .or_else(|| HANDLE.try_with(Cell::get).ok().flatten())
}

/// The synctest bubble of the runtime this thread works for, if it hosts one.
#[inline]
pub(crate) fn current_bubble() -> Option<&'static super::bubble::Bubble> {
    current().and_then(|s| s.bubble())
}

/// Whether this thread is a worker (of any runtime).
pub(crate) fn on_worker() -> bool {
    current_worker().is_some()
}

/// Registry shard for a goroutine parking on this thread.
pub(crate) fn shard_hint() -> usize {
    current_worker().map_or(usize::MAX, |(_, i)| i)
}

/// Sets `HANDLE` for the duration of a foreign `block_on`.
pub(crate) struct EnterGuard(Option<&'static Shared>);

pub(crate) fn enter(shared: &'static Shared) -> EnterGuard {
    EnterGuard(HANDLE.with(|h| h.replace(Some(shared))))
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = HANDLE.try_with(|h| h.set(self.0));
    }
}

impl Shared {
    /// The synctest bubble this runtime hosts, if any.
    #[inline]
    pub(crate) fn bubble(&self) -> Option<&'static super::bubble::Bubble> {
        let p = self.run.bubble.0.load(Acquire);
        // SAFETY: a non-null pointer comes from `Box::leak` (see `test::synctest`):
        // bubbles are never freed.
        unsafe { p.as_ref() }
    }

    /// The id of the bubble this runtime hosts (`NO_BUBBLE` if none).
    #[inline]
    pub(crate) fn bubble_id(&self) -> u64 {
        self.bubble().map_or(super::wait::NO_BUBBLE, |b| b.id)
    }

    /// This thread's spawn/finish counters in this runtime, if it is one of its
    /// workers.
    pub(crate) fn my_counts(&self) -> Option<&Counts> {
        match current_worker() {
            Some((s, i)) if std::ptr::eq(s, self) => Some(&self.run.counts[i].0),
            _ => None,
        }
    }

    pub(crate) fn goroutine_finished(&self) {
        match self.my_counts() {
            Some(c) => c.finished.store(c.finished.load(Relaxed) + 1, Release),
            None => drop(self.run.foreign_finished.fetch_add(1, Release)),
        }
    }

    /// Live goroutines, the main goroutine(s) in `block_on` included (Go counts main).
    pub(crate) fn num_goroutines(&self) -> usize {
        // Read `finished` before `spawned`: a goroutine counted as finished was
        // spawned earlier, so the difference never goes negative.
        let fin: u64 = self.run.foreign_finished.load(Acquire)
            + self
                .run
                .counts
                .iter()
                .map(|c| c.0.finished.load(Acquire))
                .sum::<u64>();
        let sp: u64 = self.run.foreign_spawned.load(Acquire)
            + self
                .run
                .counts
                .iter()
                .map(|c| c.0.spawned.load(Acquire))
                .sum::<u64>();
        sp.saturating_sub(fin) as usize + self.run.mains.load(Acquire)
    }
}
