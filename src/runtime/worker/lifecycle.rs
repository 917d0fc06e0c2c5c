//! The life of a runtime's [`Shared`] state: built once (`new`), handed out fresh
//! or recycled (`get`), shut down (`begin_shutdown`, `finish_shutdown`) and given
//! back for reuse (`retire`).
//!
//! # Why leaked, why recycled
//!
//! Goroutines refer to their runtime's `Shared` by `&'static` (a task's metadata
//! holds it), so spawning and scheduling touch no reference count: an `Arc` would
//! put one cache line that every core writes on the hottest paths. A `Shared` is
//! therefore never freed. So that a program building runtime after runtime (every
//! test, every `goro::run`) does not leak one `Shared` each time, a shut-down
//! `Shared` goes to a free list and the next runtime with as many workers takes it.
//!
//! # Why the reset is exact
//!
//! A `Shared` is two parts. The *structure* (`slots`: the run queues and parkers,
//! `injector`, `registry`, `slot0_cv`) is built once and is the same for every run:
//! at `retire` the queues, the injector and the registry are empty (asserted), a
//! parker holds at most a stale unpark token (one spurious return from `park`,
//! which every caller tolerates), and a slot's `polls` and `current` carry nothing
//! from one run to the next (`polls` is only compared with earlier readings of the
//! same run, `current` is 0 whenever no poll is in progress). The *per-run state*
//! is one value, [`Run`], and a recycled `Shared` gets a freshly built
//! [`Run::new`] moved into place by `Run::reset_to`, field by field. Its
//! destructuring `let Run { .. } = fresh;` names every field, so a field added to
//! `Run` and not reset there is a compile error (an unused binding fails under
//! `-D warnings`; a missing one always does), and no field is reset by hand to a
//! value that could drift from what `new` builds. The unit test below checks that
//! a `Run` after a real run and `retire` prints (`Debug`) exactly as a new one.
//!
//! Overwriting the whole `Run` at once (`ptr::write`) would be shorter, but
//! unsound: the `Shared` is only ever reached through shared references, and
//! stale ones (a finished runtime's wakers, the timer driver's parker handle) may
//! touch it concurrently, so a plain write would be a data race. `reset_to` writes
//! each atomic with an atomic store and each locked field under its lock (clearing
//! poison too), which is exactly how any other thread may change them, so it races
//! with nothing. The per-run state stays inline in `Shared` (no pointer to follow
//! on spawn or schedule), with each worker's spawn/finish counters on a padded line
//! of their own.

use super::*;
use crate::runtime::injector::Injector;

impl Run {
    /// The state of a runtime with `n` workers that has not run yet.
    pub(crate) fn new(n: usize) -> Run {
        Run {
            id: AtomicU64::new(0),
            panic_abort: AtomicBool::new(false),
            detect_deadlock: AtomicBool::new(true),
            counts: (0..n).map(|_| Padded(Counts::default())).collect(),
            foreign_spawned: AtomicU64::new(0),
            foreign_finished: AtomicU64::new(0),
            mains: AtomicUsize::new(0),
            idle: Idle::new(n),
            shutdown: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            slot0: Mutex::new(Slot0State::default()),
            slot0_wanted: AtomicBool::new(false),
            watcher: AtomicBool::new(false),
            foreign_goroutines: AtomicUsize::new(0),
            main_wait: AtomicU64::new(0),
            main_location: Mutex::new(None),
            remote_wakes: AtomicU64::new(0),
            bubble: Padded(std::sync::atomic::AtomicPtr::new(std::ptr::null_mut())),
        }
    }

    /// Makes `self` equal to `fresh`, field by field (see the module docs): atomics
    /// with atomic stores, locked fields under their locks. The destructuring is
    /// exhaustive: a field added to `Run` must be reset here.
    fn reset_to(&self, fresh: Run) {
        let Run {
            id,
            panic_abort,
            detect_deadlock,
            counts,
            foreign_spawned,
            foreign_finished,
            mains,
            idle,
            shutdown,
            closed,
            slot0,
            slot0_wanted,
            watcher,
            foreign_goroutines,
            main_wait,
            main_location,
            remote_wakes,
            bubble,
        } = fresh;
        self.id.store(id.into_inner(), SeqCst);
        self.panic_abort.store(panic_abort.into_inner(), SeqCst);
        self.detect_deadlock
            .store(detect_deadlock.into_inner(), SeqCst);
        assert_eq!(counts.len(), self.counts.len());
        for (mine, Padded(c)) in self.counts.iter().zip(counts.into_vec()) {
            let Counts { spawned, finished } = c;
            mine.0.spawned.store(spawned.into_inner(), SeqCst);
            mine.0.finished.store(finished.into_inner(), SeqCst);
        }
        self.foreign_spawned
            .store(foreign_spawned.into_inner(), SeqCst);
        self.foreign_finished
            .store(foreign_finished.into_inner(), SeqCst);
        self.mains.store(mains.into_inner(), SeqCst);
        self.idle.reset_to(idle);
        self.shutdown.store(shutdown.into_inner(), SeqCst);
        self.closed.store(closed.into_inner(), SeqCst);
        replace_locked(&self.slot0, slot0);
        self.slot0_wanted.store(slot0_wanted.into_inner(), SeqCst);
        self.watcher.store(watcher.into_inner(), SeqCst);
        self.foreign_goroutines
            .store(foreign_goroutines.into_inner(), SeqCst);
        self.main_wait.store(main_wait.into_inner(), SeqCst);
        replace_locked(&self.main_location, main_location);
        self.remote_wakes.store(remote_wakes.into_inner(), SeqCst);
        self.bubble.0.store(bubble.0.into_inner(), SeqCst);
    }
}

/// Stores `fresh`'s value into `m` under its lock and clears a poisoning.
fn replace_locked<T>(m: &Mutex<T>, fresh: Mutex<T>) {
    *m.lock().unwrap_or_else(|e| e.into_inner()) =
        fresh.into_inner().unwrap_or_else(|e| e.into_inner());
    m.clear_poison();
}

impl Shared {
    /// A fresh (or recycled) `Shared` for `n` workers.
    pub(crate) fn get(n: usize, panic_abort: bool) -> &'static Shared {
        let recycled = {
            let mut r = RETIRED.lock().unwrap_or_else(|e| e.into_inner());
            r.iter()
                .position(|s| s.slots.len() == n)
                .map(|i| r.swap_remove(i))
        };
        let s = recycled.unwrap_or_else(|| Box::leak(Box::new(Shared::new(n))));
        s.run.panic_abort.store(panic_abort, SeqCst);
        static IDS: AtomicU64 = AtomicU64::new(crate::runtime::threads::PROCESS + 1);
        s.run.id.store(IDS.fetch_add(1, SeqCst), SeqCst);
        s
    }

    /// Returns a shut-down `Shared` for reuse, its per-run state as new.
    pub(crate) fn retire(&'static self) {
        debug_assert!(self.run.closed.load(SeqCst));
        debug_assert!(self.injector.is_empty() && self.registry.is_empty());
        self.registry.reset();
        self.run.reset_to(Run::new(self.slots.len()));
        RETIRED.lock().unwrap_or_else(|e| e.into_inner()).push(self);
    }

    fn new(n: usize) -> Shared {
        Shared {
            slots: (0..n)
                .map(|_| Slot {
                    queue: Local::new(),
                    parker: Arc::new(Parker::new()),
                    polls: AtomicU32::new(0),
                    current: AtomicU64::new(0),
                })
                .collect(),
            injector: Injector::new(),
            registry: Registry::new(n + 1),
            slot0_cv: Condvar::new(),
            run: Run::new(n),
        }
    }

    /// Stops the workers (the caller joins them), then drops every goroutine still
    /// alive: queued ones directly, parked ones after waking them through the registry.
    pub(crate) fn begin_shutdown(&self) {
        self.run.shutdown.store(true, SeqCst);
        for s in self.slots.iter() {
            s.parker.unpark();
        }
        // A stand-in waiting for worker 0 (see `slot0`) checks `shutdown`
        // under this lock.
        drop(self.run.slot0.lock().unwrap_or_else(|e| e.into_inner()));
        self.slot0_cv.notify_all();
    }

    pub(crate) fn finish_shutdown(&self) {
        loop {
            let mut dropped = false;
            for s in self.slots.iter() {
                while let Some(t) = s.queue.take_next().or_else(|| s.queue.pop()) {
                    drop(t);
                    dropped = true;
                }
            }
            while let Some(t) = self.injector.pop() {
                drop(t);
                dropped = true;
            }
            let parked = self.registry.take_all();
            let woke = !parked.is_empty();
            for w in parked {
                w.wake(); // schedules onto the injector, dropped next round
            }
            if !dropped && !woke && self.injector.is_empty() && self.registry.is_empty() {
                break;
            }
        }
        self.run.closed.store(true, SeqCst);
        // Anything that raced in before `closed` was set.
        while let Some(t) = self.injector.pop() {
            drop(t);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A `Shared` recycled after a real run has exactly the per-run state of a new
    /// one. (The hand-written reset this replaced left `detect_deadlock`,
    /// `main_location`, `remote_wakes` and the idle epoch as the last run had them;
    /// `build` and `block_on` happen to overwrite the first two, the others only
    /// feed the deadlock watch's progress count.)
    #[test]
    fn recycled_run_state_is_fresh() {
        // A worker count no other unit test uses, so that no runtime built
        // meanwhile takes this `Shared` off the free list.
        const N: usize = 7;
        let fresh = format!("{:?}", Run::new(N));
        let rt = crate::Runtime::builder()
            .workers(N)
            .panic_abort()
            .detect_deadlock(false)
            .build();
        let shared = rt.shared;
        // Spawned from outside: the foreign counts and a remote wake.
        let h = rt.go(async { 1 });
        rt.block_on(async move {
            assert_eq!(h.await.unwrap(), 1);
            let (tx, rx) = crate::chan::<u32>(0);
            let hs: Vec<_> = (0..4)
                .map(|i| {
                    let tx = tx.clone();
                    crate::go(async move { tx.send(i).await.unwrap() })
                })
                .collect();
            for _ in 0..4 {
                rx.recv().await.unwrap();
            }
            for h in hs {
                h.await.unwrap();
            }
            crate::time::sleep(std::time::Duration::from_millis(2)).await;
        });
        // Still parked at shutdown (dropped by `finish_shutdown`).
        let (_tx, rx) = crate::chan::<()>(0);
        drop(rt.go(async move { rx.recv().await }));
        // A lock poisoned during the run.
        let _ = std::panic::catch_unwind(|| {
            let _g = shared.run.slot0.lock();
            panic!("poisoning slot0 on purpose");
        });
        assert!(shared.run.slot0.is_poisoned());
        assert_ne!(format!("{:?}", shared.run), fresh);

        drop(rt);
        let mut retired = RETIRED.lock().unwrap_or_else(|e| e.into_inner());
        let i = retired
            .iter()
            .position(|s| std::ptr::eq(*s, shared))
            .expect("the runtime's Shared is on the free list");
        let s = retired.swap_remove(i);
        drop(retired);
        assert_eq!(format!("{:?}", s.run), fresh);
        RETIRED.lock().unwrap_or_else(|e| e.into_inner()).push(s);
    }
}
