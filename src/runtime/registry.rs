//! The registry of parked goroutines, so that shutdown can reach them.
//!
//! A goroutine that returns `Pending` may be parked on something that never wakes it
//! (a channel nobody sends on, `std::future::pending()`), and its wakers may be held
//! only inside other parked goroutines. To drop every live goroutine when `run`
//! returns, the runtime keeps one waker per such goroutine. A goroutine registers the
//! first time it returns `Pending` (goroutines that finish in their first poll, the
//! common case of W1, never touch the registry) and unregisters when its future is
//! dropped. The registry is sharded by worker so that registration takes an
//! uncontended lock. A slot is three words; a key names a slot, and `remove`/`wake`
//! check that the slot still holds the caller's goroutine (its metadata pointer), so
//! a stale key never touches another goroutine's entry.

use std::sync::Mutex;
use std::task::Waker;

/// A pointer to a goroutine's metadata `M` (the scheduler's `Meta`; a pointer, not
/// an address, so that it keeps its provenance: Miri's `-Zmiri-strict-provenance`
/// rejects an integer-to-pointer cast).
pub(crate) struct MetaPtr<M>(pub(crate) *const M);

impl<M> Clone for MetaPtr<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for MetaPtr<M> {}

// SAFETY: a `MetaPtr` is only dereferenced in `Registry::for_each`, under the shard
// lock, while its entry holds the goroutine's waker (which keeps the allocation alive);
// `M: Sync`, so reading it from any thread is sound.
unsafe impl<M: Sync> Send for MetaPtr<M> {}

/// A registry slot: a registered goroutine's waker and a pointer to its metadata
/// (valid while the slot holds the waker, which keeps the task allocation alive),
/// or a link in the shard's free list. 24 bytes (the enum's tag lives in the
/// waker's non-null vtable pointer).
enum Slot<M> {
    Used(Waker, MetaPtr<M>),
    Free(u32),
}

struct Shard<M> {
    slots: Vec<Slot<M>>,
    /// Head of the free list threaded through `Free` slots (`NIL`: empty).
    free: u32,
    live: usize,
}

const NIL: u32 = u32::MAX;

pub(crate) struct Registry<M> {
    shards: Box<[Mutex<Shard<M>>]>,
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
                    })
                })
                .collect(),
        }
    }

    fn shard(&self, i: usize) -> std::sync::MutexGuard<'_, Shard<M>> {
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    fn split(key: Key) -> (usize, usize) {
        let key = key & !(1 << 63);
        (
            (key >> IDX_BITS) as usize,
            (key & ((1 << IDX_BITS) - 1)) as usize,
        )
    }

    /// Registers `waker` in shard `hint % shards`; returns its key.
    pub(crate) fn insert(&self, hint: usize, waker: Waker, meta: MetaPtr<M>) -> Key {
        let si = hint % self.shards.len();
        let mut s = self.shard(si);
        s.live += 1;
        let idx = if s.free != NIL {
            let idx = s.free;
            let Slot::Free(next) = s.slots[idx as usize] else {
                unreachable!("goro: registry free list points at a used slot")
            };
            s.free = next;
            s.slots[idx as usize] = Slot::Used(waker, meta);
            idx
        } else {
            let idx = u32::try_from(s.slots.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("goro: too many parked goroutines in one shard");
            s.slots.push(Slot::Used(waker, meta));
            idx
        };
        (1 << 63) | ((si as u64) << IDX_BITS) | idx as u64
    }

    /// Removes the entry `key` if it still holds the goroutine `meta`.
    pub(crate) fn remove(&self, key: Key, meta: *const M) {
        let (si, idx) = Self::split(key);
        let mut s = self.shard(si);
        let free = s.free;
        let Some(slot) = s.slots.get_mut(idx) else {
            return;
        };
        if matches!(slot, Slot::Used(_, m) if std::ptr::eq(m.0, meta)) {
            let old = std::mem::replace(slot, Slot::Free(free));
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
                Some(Slot::Used(w, m)) if std::ptr::eq(m.0, meta) => Some(w.clone()),
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
                    if let Slot::Used(w, _) = std::mem::replace(&mut s.slots[idx], Slot::Free(free))
                    {
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
    pub(crate) fn for_each(&self, mut f: impl FnMut(&M)) {
        for i in 0..self.shards.len() {
            let s = self.shard(i);
            for slot in s.slots.iter() {
                if let Slot::Used(_, m) = slot {
                    // SAFETY: the slot holds the goroutine's waker, a reference to
                    // its task allocation, which contains the `Meta` at this address;
                    // the slot cannot be freed while we hold the shard lock.
                    f(unsafe { &*m.0 });
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

    struct Count(AtomicUsize);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_slot_is_three_words() {
        assert_eq!(std::mem::size_of::<Slot<u64>>(), 24);
    }

    /// A key whose slot was freed and reused by another goroutine neither wakes
    /// nor removes the new one; free slots are reused.
    #[test]
    fn keys_name_one_goroutine() {
        let r: Registry<u64> = Registry::new(2);
        let (a, b) = (1u64, 2u64);
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let ka = r.insert(1, waker.clone(), MetaPtr(&a));
        r.wake(ka, &a);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        r.remove(ka, &a);
        assert!(r.is_empty());
        let kb = r.insert(1, waker.clone(), MetaPtr(&b));
        assert_eq!(kb, ka, "the freed slot is reused");
        r.wake(ka, &a);
        r.remove(ka, &a);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "stale key woke b");
        assert!(!r.is_empty(), "stale key removed b");
        let mut seen = vec![];
        r.for_each(|m| seen.push(*m));
        assert_eq!(seen, [2]);
        let kc = r.insert(1, waker.clone(), MetaPtr(&a));
        assert_ne!(kc, kb);
        assert_eq!(r.take_all().len(), 2);
        assert!(r.is_empty());
        r.remove(kb, &b);
        assert!(r.is_empty());
        // A new run starts from the front; the old run's keys do nothing.
        r.reset();
        let kd = r.insert(1, waker.clone(), MetaPtr(&b));
        assert_eq!(kd & 0xffff_ffff, 0);
        r.wake(kc, &a);
        r.remove(kc, &a);
        assert!(!r.is_empty());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(r.take_all().len(), 1);
    }
}
