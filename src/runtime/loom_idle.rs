//! Loom models of the workers' idle/searching protocol: the real [`Idle`] and the
//! real [`Parker`], driven by the steps `worker.rs` takes around them (a push then
//! `Shared::notify_work`; a worker's search, `Worker::park` and its wake-up), with a
//! counter standing in for the run queues. The models check that work pushed while
//! workers are going to sleep is always run (no lost wake-up): a lost one would
//! leave a worker parked forever, which loom reports as a deadlock.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --no-default-features --lib
//! runtime::loom_idle`.

use loom::sync::Arc;
use loom::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;

use super::idle::Idle;
use super::park::Parker;

struct Model {
    idle: Idle,
    parkers: Vec<Parker>,
    /// The run queues, reduced to a count of runnable tasks.
    queue: AtomicUsize,
    done: AtomicUsize,
}

impl Model {
    fn new(workers: usize) -> Model {
        Model {
            idle: Idle::new(workers),
            parkers: (0..workers).map(|_| Parker::new()).collect(),
            queue: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    /// A push onto a run queue, then `Shared::notify_work` (`wake_one(false)`).
    fn push_and_notify(&self) {
        self.queue.fetch_add(1, SeqCst);
        if self.idle.should_wake() {
            if let Some(i) = self.idle.pick(false) {
                self.parkers[i].unpark();
            }
        }
    }

    fn take(&self) -> bool {
        let mut n = self.queue.load(SeqCst);
        while n > 0 {
            match self.queue.compare_exchange(n, n - 1, SeqCst, SeqCst) {
                Ok(_) => return true,
                Err(m) => n = m,
            }
        }
        false
    }

    /// Worker `index` until `want` tasks have run: `next_task`/`search`, then
    /// `run_task` (a last searcher that found work notifies), else `park`.
    fn worker(&self, index: usize, want: usize) {
        let mut searching = false;
        while self.done.load(SeqCst) < want {
            if !searching && self.idle.start_searching(self.parkers.len()) {
                searching = true;
            }
            if self.take() {
                if searching {
                    searching = false;
                    if self.idle.stop_searching() && self.idle.should_wake() {
                        if let Some(i) = self.idle.pick(false) {
                            self.parkers[i].unpark();
                        }
                    }
                }
                self.done.fetch_add(1, SeqCst);
                continue;
            }
            // `Worker::park`: stop searching, go idle, re-check, sleep, leave.
            if searching {
                searching = false;
                self.idle.stop_searching();
            }
            self.idle.go_idle(index);
            if self.queue.load(SeqCst) == 0 && self.done.load(SeqCst) < want {
                self.parkers[index].park(None);
            }
            if self.idle.leave_idle(index) {
                searching = true; // picked: counted as searching on our behalf
            }
        }
        if searching {
            self.idle.stop_searching();
        }
    }
}

/// One worker going to sleep while another thread pushes twice.
#[test]
fn pushed_work_is_never_stranded() {
    loom::model(|| {
        let m = Arc::new(Model::new(1));
        let m2 = m.clone();
        let w = loom::thread::spawn(move || m2.worker(0, 2));
        m.push_and_notify();
        m.push_and_notify();
        w.join().unwrap();
        assert_eq!(m.done.load(SeqCst), 2);
        assert_eq!(m.idle.num_idle(), 0);
    });
}
