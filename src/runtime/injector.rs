//! The injector: the runtime-wide run queue (Go's `sched.runq`), where work goes that
//! no worker's ring holds: wake-ups from outside the runtime's workers, the half of a
//! ring that overflowed, and the tasks of a worker that leaves.
//!
//! A ring buffer of task pointers (`VecDeque`, one word per queued goroutine) behind a
//! mutex, with its length mirrored in an atomic so that the checks on the scheduler's
//! idle path (`is_empty`, `len`) take no lock. Go guards its global queue with
//! `sched.lock` and tokio its injector with a mutex too; the critical sections are a
//! few stores, and batches (a ring's overflowing half, a worker's fair share) move
//! under one lock.
//!
//! Invariants:
//! - `len` equals the deque's length whenever the lock is free: it is stored (SeqCst)
//!   before the lock is released, after every change. A pusher's `SeqCst` store is
//!   therefore ordered before the fence of its `notify_work`, as the idle protocol
//!   requires of "making work stealable" (see `idle`).
//! - Memory: a burst (a million goroutines spawned in a loop on one worker) grows the
//!   deque; once it is drained, a deque much larger than it needs is shrunk, so the
//!   burst's memory goes back to the allocator rather than staying with the runtime,
//!   which is recycled by later runtimes.
//!
//! Why not `concurrent_queue::ConcurrentQueue::unbounded`: each slot there is two
//! words (the value and its state), in blocks freed as they drain, which costs 16 bytes
//! per queued goroutine during a burst; the mutex-guarded deque costs 8 and can batch.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::*};

/// A deque at or under this capacity is kept when it drains; a larger one is shrunk.
const KEEP: usize = 1024;

pub(crate) struct Injector<T> {
    len: AtomicUsize,
    q: Mutex<VecDeque<T>>,
}

impl<T> Injector<T> {
    pub(crate) fn new() -> Injector<T> {
        Injector {
            len: AtomicUsize::new(0),
            q: Mutex::new(VecDeque::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<T>> {
        // A panic while holding the lock (allocation failure) leaves the deque
        // consistent: every operation is a single `VecDeque` call.
        self.q.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `t` at the back.
    pub(crate) fn push(&self, t: T) {
        let mut q = self.lock();
        q.push_back(t);
        self.len.store(q.len(), SeqCst);
    }

    /// Queues every task of `batch` at the back, under one lock.
    pub(crate) fn push_batch(&self, batch: impl IntoIterator<Item = T>) {
        let mut q = self.lock();
        q.extend(batch);
        self.len.store(q.len(), SeqCst);
    }

    /// Takes the front task.
    pub(crate) fn pop(&self) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut q = self.lock();
        let t = q.pop_front();
        self.popped(&mut q);
        t
    }

    /// Takes the front task and up to `more(len)` further ones (`len`: how many are
    /// queued after the first), handing those to `each` under the lock; returns the
    /// first.
    pub(crate) fn pop_batch(
        &self,
        more: impl FnOnce(usize) -> usize,
        mut each: impl FnMut(T),
    ) -> Option<T> {
        if self.is_empty() {
            return None;
        }
        let mut q = self.lock();
        let first = q.pop_front()?;
        let n = more(q.len()).min(q.len());
        for t in q.drain(..n) {
            each(t);
        }
        self.popped(&mut q);
        Some(first)
    }

    fn popped(&self, q: &mut VecDeque<T>) {
        self.len.store(q.len(), SeqCst);
        if q.is_empty() && q.capacity() > KEEP {
            q.shrink_to(KEEP);
        }
    }

    /// How many tasks are queued (a hint unless the caller excludes other users).
    pub(crate) fn len(&self) -> usize {
        self.len.load(SeqCst)
    }

    /// Whether nothing is queued (see `len`).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_batches_and_len() {
        let inj = Injector::new();
        assert!(inj.is_empty() && inj.pop().is_none());
        inj.push(1);
        inj.push_batch([2, 3, 4, 5]);
        assert_eq!(inj.len(), 5);
        assert_eq!(inj.pop(), Some(1));
        let mut got = vec![];
        let first = inj.pop_batch(|rest| rest / 2, |t| got.push(t));
        assert_eq!((first, got), (Some(2), vec![3]));
        assert_eq!(inj.len(), 2);
        let mut got = vec![];
        assert_eq!(inj.pop_batch(|_| 10, |t| got.push(t)), Some(4));
        assert_eq!(got, [5]);
        assert!(inj.is_empty() && inj.pop_batch(|_| 1, |_| ()).is_none());
    }

    /// A drained burst gives its memory back (the deque shrinks to `KEEP`).
    #[test]
    fn a_drained_burst_shrinks() {
        let inj = Injector::new();
        inj.push_batch(0..100_000);
        while inj.pop().is_some() {}
        assert!(inj.lock().capacity() <= KEEP);
        assert!(inj.is_empty());
    }

    /// Tasks pushed from several threads are all popped once.
    #[test]
    fn concurrent_pushes_and_pops_lose_nothing() {
        let inj = std::sync::Arc::new(Injector::new());
        let taken = std::sync::Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|k| {
                let (inj, taken) = (inj.clone(), taken.clone());
                std::thread::spawn(move || {
                    for i in 0..10_000usize {
                        inj.push(k * 10_000 + i);
                        if inj.pop().is_some() {
                            taken.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        while inj.pop().is_some() {
            taken.fetch_add(1, SeqCst);
        }
        assert_eq!(taken.load(SeqCst), 40_000);
    }
}
