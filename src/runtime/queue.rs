//! A worker's local run queue: Go's `runq` plus `runnext`.
//!
//! The queue is a fixed ring of [`CAPACITY`] slots holding raw task pointers
//! (`Runnable::into_raw`). Only the owning worker pushes (it alone writes `tail`);
//! the owner and thieves take from the front by advancing `head` with a CAS. The
//! slots are `AtomicPtr`s, so a thief that reads a slot and then loses the CAS race
//! has read a stale pointer but taken no ownership: a pointer is owned by whoever
//! moves `head` past it, exactly once.
//!
//! Invariants:
//! - `tail - head <= CAPACITY` (wrapping `u32` arithmetic); slots in `head..tail`
//!   hold valid pointers that nobody else owns.
//! - The owner writes slot `tail % CAPACITY` only when `tail - head < CAPACITY`, so a
//!   slot is never rewritten while a thief that saw `head` unchanged may still read it.
//! - `head` only grows, so a successful CAS from `h` proves the slots read since
//!   loading `h` were not rewritten (ABA needs 2^32 operations during one steal,
//!   which Go's scheduler accepts too).
//!
//! `next` (Go's `runnext`, tokio's LIFO slot) holds the task woken or spawned by the
//! running task: it runs next, so a message-passing pair stays hot on one core. It is
//! not stealable; the worker loop bounds how often it may be preferred over the queue.

use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use crate::loom::sync::atomic::{AtomicPtr, AtomicU32, Ordering::*};

use super::injector::Injector;
use async_task::Runnable;

/// Slots in a local queue (Go uses 256 too).
pub(crate) const CAPACITY: u32 = 256;

/// A goroutine as the queue holds it (`M`: its metadata, the scheduler's business).
type Task<M> = Runnable<M>;

pub(crate) struct Local<M> {
    head: AtomicU32,
    tail: AtomicU32,
    slots: Box<[AtomicPtr<()>]>,
    next: AtomicPtr<()>,
    /// Holds `Runnable<M>`s (as raw pointers); Send and Sync whatever `M` is, as
    /// `Runnable` is.
    _tasks: PhantomData<fn(Task<M>) -> Task<M>>,
}

fn into_ptr<M>(t: Task<M>) -> *mut () {
    t.into_raw().as_ptr()
}

/// # Safety
/// `p` must come from [`into_ptr`] and the caller must own it (it moved `head` past
/// its slot, or swapped it out of `next`), so it is turned back exactly once.
unsafe fn from_ptr<M>(p: *mut ()) -> Task<M> {
    // SAFETY: per this function's contract, `p` is a non-null pointer produced by
    // `Runnable::into_raw` whose ownership the caller holds exclusively.
    unsafe { Runnable::from_raw(NonNull::new_unchecked(p)) }
}

impl<M> Local<M> {
    pub(crate) fn new() -> Local<M> {
        Local {
            head: AtomicU32::new(0),
            tail: AtomicU32::new(0),
            slots: (0..CAPACITY)
                .map(|_| AtomicPtr::new(ptr::null_mut()))
                .collect(),
            next: AtomicPtr::new(ptr::null_mut()),
            _tasks: PhantomData,
        }
    }

    fn slot(&self, i: u32) -> &AtomicPtr<()> {
        &self.slots[(i % CAPACITY) as usize]
    }

    /// Tasks in the ring (not counting `next`); exact for the owner, a hint otherwise.
    pub(crate) fn len(&self) -> u32 {
        let t = self.tail.load(Acquire);
        let h = self.head.load(Acquire);
        t.wrapping_sub(h).min(CAPACITY)
    }

    /// Owner only: pushes to the back; on overflow moves half the ring and `t` to the
    /// injector in one go (Go's `runqputslow`). Returns whether other workers should
    /// be told: the ring was empty (new stealable work) or work went to the injector.
    /// Pushing onto a non-empty ring needs no wake-up: the work already there was
    /// announced, and a worker about to park re-checks every ring.
    pub(crate) fn push(&self, t: Task<M>, injector: &Injector<Task<M>>) -> bool {
        let p = into_ptr(t);
        loop {
            let h = self.head.load(Acquire);
            let tl = self.tail.load(Relaxed);
            if tl.wrapping_sub(h) < CAPACITY {
                self.slot(tl).store(p, Relaxed);
                self.tail.store(tl.wrapping_add(1), Release);
                return tl == h;
            }
            // Full: claim the older half, then hand it over with `t`.
            let n = CAPACITY / 2;
            let batch: [*mut (); (CAPACITY / 2) as usize] =
                std::array::from_fn(|i| self.slot(h.wrapping_add(i as u32)).load(Relaxed));
            if self
                .head
                .compare_exchange(h, h.wrapping_add(n), AcqRel, Relaxed)
                .is_err()
            {
                continue; // thieves made room; retry the fast path
            }
            injector.push_batch(batch.into_iter().chain(std::iter::once(p)).map(|q| {
                // SAFETY: the CAS above moved `head` past these slots, so we own
                // them; `p` is the task we were given.
                unsafe { from_ptr(q) }
            }));
            return true;
        }
    }

    /// Owner only: pushes to the back of a ring known to have room (the caller
    /// found it empty and pushes at most half its capacity).
    ///
    /// # Panics
    /// If the ring is full (a broken caller: the room is the caller's invariant).
    pub(crate) fn push_no_overflow(&self, t: Task<M>) {
        let h = self.head.load(Acquire);
        let tl = self.tail.load(Relaxed);
        assert!(
            tl.wrapping_sub(h) < CAPACITY,
            "goro: run queue unexpectedly full"
        );
        self.slot(tl).store(into_ptr(t), Relaxed);
        self.tail.store(tl.wrapping_add(1), Release);
    }

    /// Takes the front task. Safe for the owner and for a thief.
    pub(crate) fn pop(&self) -> Option<Task<M>> {
        loop {
            let h = self.head.load(Acquire);
            let t = self.tail.load(Acquire);
            if t == h {
                return None;
            }
            let p = self.slot(h).load(Relaxed);
            if self
                .head
                .compare_exchange(h, h.wrapping_add(1), AcqRel, Relaxed)
                .is_ok()
            {
                // SAFETY: winning the CAS from `h` makes this slot ours alone.
                return Some(unsafe { from_ptr(p) });
            }
        }
    }

    /// Owner of `self` only: steals half of `victim`'s ring into `self` (which must be
    /// empty) and returns one of the stolen tasks.
    pub(crate) fn steal_from(&self, victim: &Local<M>) -> Option<Task<M>> {
        debug_assert_eq!(self.len(), 0);
        let dt = self.tail.load(Relaxed);
        loop {
            let h = victim.head.load(Acquire);
            let t = victim.tail.load(Acquire);
            let n = t.wrapping_sub(h);
            if n == 0 {
                return None;
            }
            if n > CAPACITY {
                continue; // torn read of head and tail: reload
            }
            let n = n - n / 2;
            for i in 0..n {
                let p = victim.slot(h.wrapping_add(i)).load(Relaxed);
                // Invisible to others until `tail` moves.
                self.slot(dt.wrapping_add(i)).store(p, Relaxed);
            }
            if victim
                .head
                .compare_exchange(h, h.wrapping_add(n), AcqRel, Relaxed)
                .is_ok()
            {
                // Keep the last one to run; publish the rest.
                let last = self.slot(dt.wrapping_add(n - 1)).load(Relaxed);
                self.tail.store(dt.wrapping_add(n - 1), Release);
                // SAFETY: the CAS moved `victim.head` past `last`'s slot: it is ours, and
                // we did not publish it in our own ring.
                return Some(unsafe { from_ptr(last) });
            }
        }
    }

    /// Owner only: puts `t` in the `next` slot, returning the task it displaced.
    pub(crate) fn put_next(&self, t: Task<M>) -> Option<Task<M>> {
        let old = self.next.swap(into_ptr(t), AcqRel);
        // SAFETY: the swap moved the old pointer out of `next`: we own it.
        (!old.is_null()).then(|| unsafe { from_ptr(old) })
    }

    /// Whether a task waits in the `next` slot.
    pub(crate) fn has_next(&self) -> bool {
        !self.next.load(Relaxed).is_null()
    }

    /// Takes the `next` task.
    pub(crate) fn take_next(&self) -> Option<Task<M>> {
        if self.next.load(Relaxed).is_null() {
            return None;
        }
        let old = self.next.swap(ptr::null_mut(), AcqRel);
        // SAFETY: the swap moved the pointer out of `next`: we own it.
        (!old.is_null()).then(|| unsafe { from_ptr(old) })
    }
}

impl<M> Drop for Local<M> {
    fn drop(&mut self) {
        drop(self.take_next());
        while let Some(t) = self.pop() {
            drop(t);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn task(counter: &Arc<AtomicUsize>) -> Task<()> {
        let c = counter.clone();
        let (r, t) = async_task::spawn(
            async move {
                c.fetch_add(1, Ordering::SeqCst);
            },
            |_| {},
        );
        t.detach();
        r
    }

    #[test]
    fn push_pop_fifo_and_overflow() {
        let q = Local::new();
        let inj = Injector::new();
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..(CAPACITY + 10) {
            q.push(task(&ran), &inj);
        }
        assert_eq!(q.len() as usize + inj.len(), (CAPACITY + 10) as usize);
        assert_eq!(inj.len(), (CAPACITY / 2 + 1) as usize);
        while let Some(t) = q.pop() {
            t.run();
        }
        while let Some(t) = inj.pop() {
            t.run();
        }
        assert_eq!(ran.load(Ordering::SeqCst), (CAPACITY + 10) as usize);
    }

    #[test]
    fn next_slot_displaces() {
        let q = Local::new();
        let ran = Arc::new(AtomicUsize::new(0));
        assert!(q.put_next(task(&ran)).is_none());
        let old = q.put_next(task(&ran)).expect("displaced");
        old.run();
        q.take_next().unwrap().run();
        assert!(q.take_next().is_none());
        assert_eq!(ran.load(Ordering::SeqCst), 2);
        // Dropping a queue that still holds tasks drops them (no leak, no double free).
        q.put_next(task(&ran));
        q.push(task(&ran), &Injector::new());
    }

    /// One owner pushes and pops while thieves steal: every task runs exactly once.
    #[test]
    fn concurrent_steal_exactly_once() {
        const N: usize = if cfg!(miri) { 600 } else { 20_000 };
        let ran = Arc::new(AtomicUsize::new(0));
        let victim = Arc::new(Local::new());
        let inj = Arc::new(Injector::new());
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let (victim, done) = (victim.clone(), done.clone());
                std::thread::spawn(move || {
                    let mine = Local::new();
                    let mut n = 0;
                    while !done.load(Ordering::SeqCst) || victim.len() > 0 {
                        if let Some(t) = mine.steal_from(&victim) {
                            t.run();
                            n += 1;
                            while let Some(t) = mine.pop() {
                                t.run();
                                n += 1;
                            }
                        }
                    }
                    n
                })
            })
            .collect();
        let mut own = 0;
        for i in 0..N {
            victim.push(task(&ran), &inj);
            if i % 3 == 0 {
                if let Some(t) = victim.pop() {
                    t.run();
                    own += 1;
                }
            }
        }
        done.store(true, Ordering::SeqCst);
        let stolen: usize = thieves.into_iter().map(|t| t.join().unwrap()).sum();
        let mut spilled = 0;
        while let Some(t) = inj.pop() {
            t.run();
            spilled += 1;
        }
        assert_eq!(own + stolen + spilled, N);
        assert_eq!(ran.load(Ordering::SeqCst), N);
    }
}

/// Loom: the owner pops while a thief steals; every task is taken exactly once.
/// Run with `RUSTFLAGS="--cfg loom" cargo test --release --no-default-features --lib runtime::queue`.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn task(counter: &std::sync::Arc<AtomicUsize>) -> Task<()> {
        let c = counter.clone();
        let (r, t) = async_task::spawn(
            async move {
                c.fetch_add(1, Ordering::SeqCst);
            },
            |_| {},
        );
        t.detach();
        r
    }

    #[test]
    fn pop_against_steal() {
        loom::model(|| {
            let ran = std::sync::Arc::new(AtomicUsize::new(0));
            let inj = Injector::new();
            let victim = Arc::new(Local::new());
            for _ in 0..3 {
                victim.push(task(&ran), &inj);
            }
            let v2 = victim.clone();
            let thief = loom::thread::spawn(move || {
                let mine = Local::new();
                let mut n = 0;
                if let Some(t) = mine.steal_from(&v2) {
                    t.run();
                    n += 1;
                    while let Some(t) = mine.pop() {
                        t.run();
                        n += 1;
                    }
                }
                n
            });
            let mut own = 0;
            while let Some(t) = victim.pop() {
                t.run();
                own += 1;
            }
            let stolen = thief.join().unwrap();
            assert_eq!(own + stolen, 3);
            assert_eq!(ran.load(Ordering::SeqCst), 3);
        });
    }
}
