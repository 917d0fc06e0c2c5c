//! The registry of parked goroutines, so that shutdown can reach them.
//!
//! A goroutine that returns `Pending` may be parked on something that never wakes it
//! (a channel nobody sends on, `std::future::pending()`), and its wakers may be held
//! only inside other parked goroutines. To drop every live goroutine when `run`
//! returns, the runtime keeps one waker per such goroutine. A goroutine registers the
//! first time it returns `Pending` (goroutines that finish in their first poll, the
//! common case of W1, never touch the registry) and unregisters when its future is
//! dropped. The registry is sharded by worker so that registration takes an
//! uncontended lock.
//!
//! A slot is the waker alone, two words: the goroutine's metadata is found from it.
//! A goroutine's waker is async-task's, whose data pointer is the task allocation,
//! and the metadata lives in that allocation's header at an offset that is the same
//! for every task (the header is one type, `Header<Meta>`, whatever the future). The
//! registry learns that offset from the first registration and checks it on every
//! later one (`insert` computes it from the two real addresses and panics on a
//! mismatch), so a layout that broke the assumption would be a loud failure, never
//! a wrong pointer. A key names a slot, and `remove`/`wake` check that the slot
//! still holds the caller's goroutine (its metadata address), so a stale key never
//! touches another goroutine's entry.

use std::sync::Mutex;
use std::task::Waker;

/// A registry slot: a registered goroutine's waker (a reference to its task
/// allocation, which holds its metadata), or a link in the shard's free list.
/// 16 bytes (the enum's tag lives in the waker's non-null vtable pointer).
enum Slot {
    Used(Waker),
    Free(u32),
}

struct Shard {
    slots: Vec<Slot>,
    /// Head of the free list threaded through `Free` slots (`NIL`: empty).
    free: u32,
    live: usize,
    /// Metadata address minus waker data address, the same for every goroutine;
    /// `None` until the first registration in this shard.
    offset: Option<usize>,
}

impl Shard {
    /// The metadata of the goroutine whose waker is `w` (registered in this shard).
    fn meta_of<M>(&self, w: &Waker) -> *const M {
        let off = self
            .offset
            .expect("goro: registry slot used before any insert");
        w.data().wrapping_byte_add(off).cast::<M>()
    }
}

const NIL: u32 = u32::MAX;

pub(crate) struct Registry<M> {
    shards: Box<[Mutex<Shard>]>,
    /// The registry holds wakers of tasks whose metadata is an `M`.
    _meta: std::marker::PhantomData<fn(&M)>,
}

/// `(1 << 63) | (shard << 32) | index`, never 0. A key names a slot, not a
/// registration: `remove` and `wake` also take the goroutine's metadata pointer
/// and act only if the slot still holds that goroutine (a slot is reused only
/// after its goroutine's task allocation is gone, and the callers hold that
/// allocation alive, so a pointer names one goroutine).
pub(crate) type Key = u64;

const IDX_BITS: u32 = 32;

impl<M> Registry<M> {
    pub(crate) fn new(shards: usize) -> Registry<M> {
        Registry {
            shards: (0..shards.max(1))
                .map(|_| {
                    Mutex::new(Shard {
                        slots: Vec::new(),
                        free: NIL,
                        live: 0,
                        offset: None,
                    })
                })
                .collect(),
            _meta: std::marker::PhantomData,
        }
    }

    fn shard(&self, i: usize) -> std::sync::MutexGuard<'_, Shard> {
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    fn split(key: Key) -> (usize, usize) {
        let key = key & !(1 << 63);
        (
            (key >> IDX_BITS) as usize,
            (key & ((1 << IDX_BITS) - 1)) as usize,
        )
    }

    /// Registers `waker`, the waker of the goroutine whose metadata is `meta` (it
    /// must point into the allocation that `waker.data()` points to), in shard
    /// `hint % shards`; returns its key.
    ///
    /// # Panics
    /// If `meta` is not at the same offset from the waker's data pointer as every
    /// goroutine registered before (see the module docs).
    pub(crate) fn insert(&self, hint: usize, waker: Waker, meta: *const M) -> Key {
        let si = hint % self.shards.len();
        let mut s = self.shard(si);
        let off = meta.addr().wrapping_sub(waker.data().addr());
        assert_eq!(
            *s.offset.get_or_insert(off),
            off,
            "goro: a goroutine's metadata is not where its waker says (async-task layout?)"
        );
        s.live += 1;
        let idx = if s.free != NIL {
            let idx = s.free;
            let Slot::Free(next) = s.slots[idx as usize] else {
                unreachable!("goro: registry free list points at a used slot")
            };
            s.free = next;
            s.slots[idx as usize] = Slot::Used(waker);
            idx
        } else {
            let idx = u32::try_from(s.slots.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("goro: too many parked goroutines in one shard");
            s.slots.push(Slot::Used(waker));
            idx
        };
        (1 << 63) | ((si as u64) << IDX_BITS) | idx as u64
    }

    /// Removes the entry `key` if it still holds the goroutine `meta`.
    pub(crate) fn remove(&self, key: Key, meta: *const M) {
        let (si, idx) = Self::split(key);
        let mut s = self.shard(si);
        let free = s.free;
        let ours = match s.slots.get(idx) {
            Some(Slot::Used(w)) => s.meta_of::<M>(w).addr() == meta.addr(),
            _ => false,
        };
        if ours {
            let old = std::mem::replace(&mut s.slots[idx], Slot::Free(free));
            s.free = idx as u32;
            s.live -= 1;
            drop(s);
            drop(old); // may free the task: outside the lock
        }
    }

    /// Wakes the registered goroutine `key` if the entry still holds `meta`.
    pub(crate) fn wake(&self, key: Key, meta: *const M) {
        let (si, idx) = Self::split(key);
        let w = {
            let s = self.shard(si);
            match s.slots.get(idx) {
                Some(Slot::Used(w)) if s.meta_of::<M>(w).addr() == meta.addr() => Some(w.clone()),
                _ => None,
            }
        };
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Removes every entry and returns their wakers (shutdown).
    pub(crate) fn take_all(&self) -> Vec<Waker> {
        let mut out = Vec::new();
        for i in 0..self.shards.len() {
            let mut s = self.shard(i);
            for idx in 0..s.slots.len() {
                if matches!(s.slots[idx], Slot::Used(..)) {
                    let free = s.free;
                    if let Slot::Used(w) = std::mem::replace(&mut s.slots[idx], Slot::Free(free)) {
                        out.push(w);
                    }
                    s.free = idx as u32;
                }
            }
            s.live = 0;
        }
        out
    }

    /// Calls `f` with the metadata of every registered goroutine, under its shard lock.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&M))
    where
        M: Sync,
    {
        for i in 0..self.shards.len() {
            let s = self.shard(i);
            for slot in s.slots.iter() {
                if let Slot::Used(w) = slot {
                    // SAFETY: the slot holds the goroutine's waker, a reference to
                    // its task allocation, which contains the `M` at this offset from
                    // the waker's data pointer (checked by `insert`, and derived from
                    // that pointer, so within its provenance); the slot cannot be
                    // freed while we hold the shard lock; `M` is only read.
                    f(unsafe { &*s.meta_of::<M>(w) });
                }
            }
        }
    }

    /// Forgets every free slot (the registry is empty: a run has ended), so that
    /// the next run fills its slots front to back instead of in the scattered
    /// order the last run's goroutines ended in. Keys of the last run stay safe:
    /// `remove` and `wake` check the slot's goroutine.
    pub(crate) fn reset(&self) {
        for i in 0..self.shards.len() {
            let mut s = self.shard(i);
            debug_assert_eq!(s.live, 0);
            if s.live == 0 {
                s.slots.clear();
                s.free = NIL;
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        (0..self.shards.len()).all(|i| self.shard(i).live == 0)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A stand-in goroutine: its waker's data pointer is this struct (what
    /// `Waker::from(Arc<_>)` points to), and its metadata, `meta`, sits at a fixed
    /// offset from it, as a task's `Meta` does from its header.
    struct Fake {
        wakes: Arc<AtomicUsize>,
        meta: u64,
    }
    impl std::task::Wake for Fake {
        fn wake(self: Arc<Self>) {
            self.wakes.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn fake(meta: u64, wakes: &Arc<AtomicUsize>) -> (Arc<Fake>, Waker) {
        let f = Arc::new(Fake {
            wakes: wakes.clone(),
            meta,
        });
        (f.clone(), Waker::from(f))
    }

    #[test]
    fn a_slot_is_two_words() {
        assert_eq!(std::mem::size_of::<Slot>(), 16);
    }

    /// A key whose slot was freed and reused by another goroutine neither wakes
    /// nor removes the new one; free slots are reused; `for_each` finds each
    /// goroutine's metadata from its waker.
    #[test]
    fn keys_name_one_goroutine() {
        let r: Registry<u64> = Registry::new(2);
        let count = Arc::new(AtomicUsize::new(0));
        let (a, wa) = fake(1, &count);
        let (b, wb) = fake(2, &count);
        let ka = r.insert(1, wa.clone(), &a.meta);
        r.wake(ka, &a.meta);
        assert_eq!(count.load(Ordering::SeqCst), 1);
        r.remove(ka, &a.meta);
        assert!(r.is_empty());
        let kb = r.insert(1, wb.clone(), &b.meta);
        assert_eq!(kb, ka, "the freed slot is reused");
        r.wake(ka, &a.meta);
        r.remove(ka, &a.meta);
        assert_eq!(count.load(Ordering::SeqCst), 1, "stale key woke b");
        assert!(!r.is_empty(), "stale key removed b");
        let mut seen = vec![];
        r.for_each(|m| seen.push(*m));
        assert_eq!(seen, [2]);
        let kc = r.insert(1, wa.clone(), &a.meta);
        assert_ne!(kc, kb);
        let mut seen = vec![];
        r.for_each(|m| seen.push(*m));
        seen.sort();
        assert_eq!(seen, [1, 2]);
        assert_eq!(r.take_all().len(), 2);
        assert!(r.is_empty());
        r.remove(kb, &b.meta);
        assert!(r.is_empty());
        // A new run starts from the front; the old run's keys do nothing.
        r.reset();
        let kd = r.insert(1, wb.clone(), &b.meta);
        assert_eq!(kd & 0xffff_ffff, 0);
        r.wake(kc, &a.meta);
        r.remove(kc, &a.meta);
        assert!(!r.is_empty());
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(r.take_all().len(), 1);
    }

    /// A registration whose metadata is not at the offset every earlier one had is
    /// refused loudly, never stored with a pointer that would be wrong.
    #[test]
    #[should_panic(expected = "metadata is not where its waker says")]
    fn a_misplaced_metadata_panics() {
        let r: Registry<u64> = Registry::new(1);
        let count = Arc::new(AtomicUsize::new(0));
        let (a, wa) = fake(1, &count);
        let elsewhere = 7u64;
        let _ = r.insert(0, wa.clone(), &a.meta);
        let _ = r.insert(0, wa, &elsewhere);
    }
}
