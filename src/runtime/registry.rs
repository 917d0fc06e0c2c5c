//! The registry of parked goroutines, so that shutdown can reach them.
//!
//! A goroutine that returns `Pending` may be parked on something that never wakes it
//! (a channel nobody sends on, `std::future::pending()`), and its wakers may be held
//! only inside other parked goroutines. To drop every live goroutine when `run`
//! returns, the runtime keeps one waker per such goroutine. A goroutine registers the
//! first time it returns `Pending` (goroutines that finish in their first poll, the
//! common case of W1, never touch the registry) and unregisters when its future is
//! dropped. The registry is sharded by worker so that registration takes an
//! uncontended lock; a key carries a generation, so a stale key never removes another
//! goroutine's entry.

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

/// An entry: generation, the goroutine's waker, and a pointer to its metadata
/// (valid while the entry holds the waker, which keeps the task allocation alive).
struct Shard<M> {
    entries: Vec<(u32, Option<Waker>, MetaPtr<M>)>,
    free: Vec<u32>,
    live: usize,
}

pub(crate) struct Registry<M> {
    shards: Box<[Mutex<Shard<M>>]>,
}

/// `(shard << 48) | (generation << 24) | index`, never 0.
pub(crate) type Key = u64;

const IDX_BITS: u32 = 24;
const GEN_BITS: u32 = 24;

impl<M> Registry<M> {
    pub(crate) fn new(shards: usize) -> Registry<M> {
        Registry {
            shards: (0..shards.max(1))
                .map(|_| {
                    Mutex::new(Shard {
                        entries: Vec::new(),
                        free: Vec::new(),
                        live: 0,
                    })
                })
                .collect(),
        }
    }

    fn shard(&self, i: usize) -> std::sync::MutexGuard<'_, Shard<M>> {
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `waker` in shard `hint % shards`; returns its key.
    pub(crate) fn insert(&self, hint: usize, waker: Waker, meta: MetaPtr<M>) -> Key {
        let si = hint % self.shards.len();
        let mut s = self.shard(si);
        s.live += 1;
        let idx = match s.free.pop() {
            Some(i) => i,
            None => {
                s.entries.push((0, None, MetaPtr(std::ptr::null())));
                (s.entries.len() - 1) as u32
            }
        };
        assert!(
            idx < (1 << IDX_BITS),
            "goro: too many parked goroutines in one shard"
        );
        let e = &mut s.entries[idx as usize];
        e.0 = (e.0 + 1) & ((1 << GEN_BITS) - 1);
        e.1 = Some(waker);
        e.2 = meta;
        ((si as u64) << (IDX_BITS + GEN_BITS)) | ((e.0 as u64) << IDX_BITS) | idx as u64 | (1 << 63)
    }

    /// Removes the entry `key`, if it is still there.
    pub(crate) fn remove(&self, key: Key) {
        let si = ((key & !(1 << 63)) >> (IDX_BITS + GEN_BITS)) as usize;
        let gen = ((key >> IDX_BITS) & ((1 << GEN_BITS) - 1)) as u32;
        let idx = (key & ((1 << IDX_BITS) - 1)) as u32;
        let mut s = self.shard(si);
        if let Some(e) = s.entries.get_mut(idx as usize) {
            if e.0 == gen && e.1.is_some() {
                let w = e.1.take();
                s.free.push(idx);
                s.live -= 1;
                drop(s);
                drop(w); // may free the task: outside the lock
            }
        }
    }

    /// Wakes the registered goroutine `key`, if it is still there.
    pub(crate) fn wake(&self, key: Key) {
        let si = ((key & !(1 << 63)) >> (IDX_BITS + GEN_BITS)) as usize;
        let gen = ((key >> IDX_BITS) & ((1 << GEN_BITS) - 1)) as u32;
        let idx = (key & ((1 << IDX_BITS) - 1)) as u32;
        let w = {
            let s = self.shard(si);
            match s.entries.get(idx as usize) {
                Some((g, Some(w), _)) if *g == gen => Some(w.clone()),
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
            let n = s.entries.len() as u32;
            for idx in 0..n {
                if let Some(w) = s.entries[idx as usize].1.take() {
                    out.push(w);
                    s.free.push(idx);
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
            for e in s.entries.iter() {
                if e.1.is_some() {
                    // SAFETY: the entry holds the goroutine's waker, a reference to
                    // its task allocation, which contains the `Meta` at this address;
                    // the entry cannot be removed while we hold the shard lock.
                    f(unsafe { &*e.2 .0 });
                }
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        (0..self.shards.len()).all(|i| self.shard(i).live == 0)
    }
}
