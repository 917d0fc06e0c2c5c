//! The life of a runtime's [`Shared`] state: built once (`new`), handed out fresh
//! or recycled (`get`), shut down (`begin_shutdown`, `finish_shutdown`) and given
//! back for reuse (`retire`).

use super::*;

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
        s.panic_abort.store(panic_abort, SeqCst);
        static IDS: AtomicU64 = AtomicU64::new(crate::runtime::threads::PROCESS + 1);
        s.id.store(IDS.fetch_add(1, SeqCst), SeqCst);
        s
    }

    /// Returns a shut-down `Shared` for reuse.
    pub(crate) fn retire(&'static self) {
        debug_assert!(self.closed.load(SeqCst));
        debug_assert!(self.injector.is_empty() && self.registry.is_empty());
        for s in self.slots.iter() {
            s.counts.0.spawned.store(0, SeqCst);
            s.counts.0.finished.store(0, SeqCst);
        }
        self.foreign_spawned.store(0, SeqCst);
        self.foreign_finished.store(0, SeqCst);
        self.idle.reset();
        self.mains.store(0, SeqCst);
        *self.slot0.lock().unwrap_or_else(|e| e.into_inner()) = Slot0State::default();
        self.slot0_wanted.store(false, SeqCst);
        self.watcher.store(false, SeqCst);
        self.foreign_goroutines.store(0, SeqCst);
        self.main_wait.store(0, SeqCst);
        self.shutdown.store(false, SeqCst);
        self.closed.store(false, SeqCst);
        self.bubble.store(std::ptr::null_mut(), SeqCst);
        RETIRED.lock().unwrap_or_else(|e| e.into_inner()).push(self);
    }

    fn new(n: usize) -> Shared {
        Shared {
            panic_abort: AtomicBool::new(false),
            slots: (0..n)
                .map(|_| Slot {
                    queue: Local::new(),
                    parker: Arc::new(Parker::new()),
                    polls: AtomicU32::new(0),
                    current: AtomicU64::new(0),
                    counts: Padded(Counts::default()),
                })
                .collect(),
            injector: ConcurrentQueue::unbounded(),
            idle: Idle::new(n),
            shutdown: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            registry: Registry::new(n + 1),
            foreign_spawned: AtomicU64::new(0),
            foreign_finished: AtomicU64::new(0),
            mains: AtomicUsize::new(0),
            slot0: Mutex::new(Slot0State::default()),
            slot0_cv: Condvar::new(),
            slot0_wanted: AtomicBool::new(false),
            id: AtomicU64::new(0),
            watcher: AtomicBool::new(false),
            detect_deadlock: AtomicBool::new(true),
            foreign_goroutines: AtomicUsize::new(0),
            main_wait: AtomicU64::new(0),
            main_location: Mutex::new(None),
            remote_wakes: AtomicU64::new(0),
            bubble: std::sync::atomic::AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// Stops the workers (the caller joins them), then drops every goroutine still
    /// alive: queued ones directly, parked ones after waking them through the registry.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        for s in self.slots.iter() {
            s.parker.unpark();
        }
        // A stand-in waiting for worker 0 (see `slot0`) checks `shutdown`
        // under this lock.
        drop(self.slot0.lock().unwrap_or_else(|e| e.into_inner()));
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
            while let Ok(t) = self.injector.pop() {
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
        self.closed.store(true, SeqCst);
        // Anything that raced in before `closed` was set.
        while let Ok(t) = self.injector.pop() {
            drop(t);
        }
    }
}
