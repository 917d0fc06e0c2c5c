//! Loom model of the idle/notify protocol of `worker.rs` (`notify_work` against
//! `park`), reduced to its shared variables: a run queue (a counter), the number of
//! searching workers, the idle list and a parker per worker. The orderings and the
//! order of steps are those of the real code; the model checks that work pushed
//! while the only other worker is going to sleep is always run (no lost wake-up).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --lib runtime::loom_idle`.

use loom::sync::atomic::{fence, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};

use super::park::Parker;

struct Model {
    queue: AtomicUsize,
    searching: AtomicUsize,
    num_idle: AtomicUsize,
    idle: Mutex<Vec<usize>>,
    parker: Parker,
    done: AtomicUsize,
}

impl Model {
    /// `Shared::notify_work` after a push.
    fn push_and_notify(&self) {
        self.queue.fetch_add(1, SeqCst);
        fence(SeqCst);
        if self.searching.load(SeqCst) != 0 || self.num_idle.load(SeqCst) == 0 {
            return;
        }
        let mut idle = self.idle.lock().unwrap();
        if self.searching.load(SeqCst) != 0 {
            return;
        }
        if idle.pop().is_some() {
            self.num_idle.fetch_sub(1, SeqCst);
            self.searching.fetch_add(1, SeqCst);
            drop(idle);
            self.parker.unpark();
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

    /// The worker loop: search (as a searcher), then `Worker::park`.
    fn worker(&self, want: usize) {
        let mut searching = true;
        self.searching.fetch_add(1, SeqCst);
        while self.done.load(SeqCst) < want {
            if self.take() {
                if searching {
                    searching = false;
                    self.searching.fetch_sub(1, SeqCst);
                }
                self.done.fetch_add(1, SeqCst);
                continue;
            }
            // park
            if searching {
                searching = false;
                self.searching.fetch_sub(1, SeqCst);
            }
            {
                let mut idle = self.idle.lock().unwrap();
                idle.push(0);
                self.num_idle.fetch_add(1, SeqCst);
            }
            fence(SeqCst);
            if self.queue.load(SeqCst) == 0 {
                self.parker.park(None);
            }
            let mut idle = self.idle.lock().unwrap();
            if let Some(p) = idle.iter().position(|&i| i == 0) {
                idle.swap_remove(p);
                self.num_idle.fetch_sub(1, SeqCst);
            } else {
                searching = true; // notified: counted as searching for us
            }
        }
    }
}

#[test]
fn pushed_work_is_never_stranded() {
    loom::model(|| {
        let m = Arc::new(Model {
            queue: AtomicUsize::new(0),
            searching: AtomicUsize::new(0),
            num_idle: AtomicUsize::new(0),
            idle: Mutex::new(Vec::new()),
            parker: Parker::new(),
            done: AtomicUsize::new(0),
        });
        let m2 = m.clone();
        let w = loom::thread::spawn(move || m2.worker(2));
        m.push_and_notify();
        m.push_and_notify();
        // If a wake-up were lost, the worker would park forever and loom would
        // report a deadlock.
        w.join().unwrap();
        assert_eq!(m.done.load(SeqCst), 2);
    });
}
