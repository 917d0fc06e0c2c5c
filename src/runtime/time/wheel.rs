//! A hierarchical timing wheel (the design of tokio's and Linux's timer wheels).
//!
//! Time is counted in ticks (the driver's 0.1 ms). Six levels of 64 slots each cover
//! 64^6 ticks (about 80 days; later deadlines are filed as if due just before the
//! top level comes back round to the current slot, and re-filed then).
//! A timer due at tick `t` lives in the level given by the highest 6-bit group in
//! which `t` differs from the wheel's current tick `elapsed`, in the slot given by
//! that group of `t`. Each slot is a doubly linked list threaded through a slab of
//! entries by index, and each level keeps a 64-bit occupancy mask, so:
//!
//! - insert and remove are O(1) and allocate nothing once the slab has grown;
//! - the next expiry is found with six `trailing_zeros`;
//! - advancing takes the lists of due slots; entries not yet due (in a coarser
//!   level) are re-filed into finer levels, each entry at most six times.
//!
//! Invariants: every live entry is in exactly one slot list; a level's mask bit is set
//! iff its slot list is non-empty; an entry's slot was computed against an `elapsed`
//! no later than the current one, and no slot before `elapsed`'s slot at its level is
//! occupied; keys carry a generation so a stale key never touches a reused entry.

use std::task::Waker;

const LEVELS: usize = 6;
const SLOT_BITS: u32 = 6;
const SLOTS: usize = 1 << SLOT_BITS;
const NIL: u32 = u32::MAX;
/// The ticks covered by one slot of the top level.
const TOP_SLOT: u64 = 1 << (SLOT_BITS * (LEVELS as u32 - 1));
/// The ticks covered by one turn of the top level.
const TOP_TURN: u64 = 1 << (SLOT_BITS * LEVELS as u32);

struct Entry {
    when: u64,
    waker: Option<Waker>,
    prev: u32,
    next: u32,
    /// level * 64 + slot, or NIL when free.
    home: u32,
    generation: u32,
}

/// A timer's key: `(generation << 32) | index`, the generation 31 bits wide.
pub(crate) type Key = u64;

pub(crate) struct Wheel {
    elapsed: u64,
    entries: Vec<Entry>,
    free: u32,
    heads: [[u32; SLOTS]; LEVELS],
    occupied: [u64; LEVELS],
    live: usize,
    /// Inserts since the free list was last put in index order.
    inserts_since_reorder: usize,
}

impl Wheel {
    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            entries: Vec::new(),
            free: NIL,
            heads: [[NIL; SLOTS]; LEVELS],
            occupied: [0; LEVELS],
            live: 0,
            inserts_since_reorder: 0,
        }
    }

    /// Live (armed) timers.
    pub(crate) fn len(&self) -> usize {
        self.live
    }

    /// The furthest tick a deadline is filed at: the last tick before the top
    /// level's current slot comes round again. (Filing later would put it in the
    /// current top slot, which reads as due now: re-filed there again and again.)
    fn horizon(&self) -> u64 {
        (self.elapsed | (TOP_SLOT - 1)) + TOP_TURN - TOP_SLOT
    }

    fn home_for(&self, when: u64) -> u32 {
        let when = when.clamp(self.elapsed, self.horizon());
        let masked = (self.elapsed ^ when) | (SLOTS as u64 - 1);
        let level = ((63 - masked.leading_zeros()) / SLOT_BITS) as usize;
        let level = level.min(LEVELS - 1);
        let slot = (when >> (level as u32 * SLOT_BITS)) as usize & (SLOTS - 1);
        (level * SLOTS + slot) as u32
    }

    fn link(&mut self, idx: u32) {
        let home = self.home_for(self.entries[idx as usize].when);
        let (level, slot) = (home as usize / SLOTS, home as usize % SLOTS);
        let head = self.heads[level][slot];
        {
            let e = &mut self.entries[idx as usize];
            e.home = home;
            e.prev = NIL;
            e.next = head;
        }
        if head != NIL {
            self.entries[head as usize].prev = idx;
        }
        self.heads[level][slot] = idx;
        self.occupied[level] |= 1 << slot;
    }

    fn unlink(&mut self, idx: u32) {
        let (home, prev, next) = {
            let e = &self.entries[idx as usize];
            (e.home, e.prev, e.next)
        };
        let (level, slot) = (home as usize / SLOTS, home as usize % SLOTS);
        if prev == NIL {
            self.heads[level][slot] = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        if next != NIL {
            self.entries[next as usize].prev = prev;
        }
        if self.heads[level][slot] == NIL {
            self.occupied[level] &= !(1 << slot);
        }
        self.entries[idx as usize].home = NIL;
    }

    /// Whether an insert would use an entry index below `limit` (a free entry, or
    /// room to grow the slab that far).
    pub(crate) fn has_room(&self, limit: usize) -> bool {
        self.free != NIL || self.entries.len() < limit
    }

    /// Arms a timer due at tick `when` (a past tick fires on the next advance).
    pub(crate) fn insert(&mut self, when: u64, waker: Waker) -> Key {
        let when = when.max(self.elapsed + 1);
        let idx = if self.free != NIL {
            let i = self.free;
            self.free = self.entries[i as usize].next;
            i
        } else {
            self.entries.push(Entry {
                when: 0,
                waker: None,
                prev: NIL,
                next: NIL,
                home: NIL,
                generation: 0,
            });
            (self.entries.len() - 1) as u32
        };
        let e = &mut self.entries[idx as usize];
        e.when = when;
        e.waker = Some(waker);
        // 31 bits: the key's top bit is left to the bubbles' timers (see `driver`).
        e.generation = e.generation.wrapping_add(1) & 0x7fff_ffff;
        let key = ((e.generation as u64) << 32) | idx as u64;
        self.link(idx);
        self.live += 1;
        self.inserts_since_reorder += 1;
        key
    }

    fn live_entry(&self, key: Key) -> Option<u32> {
        let idx = key as u32;
        let e = self.entries.get(idx as usize)?;
        (e.generation == (key >> 32) as u32 && e.home != NIL).then_some(idx)
    }

    #[cfg(test)]
    /// Whether `key` is still armed (not fired, not removed).
    pub(crate) fn contains(&self, key: Key) -> bool {
        self.live_entry(key).is_some()
    }

    /// Replaces the waker of an armed timer; false if it already fired or was removed.
    pub(crate) fn set_waker(&mut self, key: Key, waker: &Waker) -> bool {
        match self.live_entry(key) {
            Some(i) => {
                let slot = &mut self.entries[i as usize].waker;
                if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                    *slot = Some(waker.clone());
                }
                true
            }
            None => false,
        }
    }

    /// Disarms `key`; returns whether it was still armed.
    pub(crate) fn remove(&mut self, key: Key) -> Option<Waker> {
        let idx = self.live_entry(key)?;
        self.unlink(idx);
        Some(self.release(idx))
    }

    fn release(&mut self, idx: u32) -> Waker {
        let e = &mut self.entries[idx as usize];
        let w = e.waker.take().expect("armed timer without waker");
        e.next = self.free;
        self.free = idx;
        self.live -= 1;
        if self.live == 0 && self.inserts_since_reorder >= self.entries.len() / 2 {
            self.reorder_free();
        }
        w
    }

    /// With no timer armed: rethreads the free list in index order, so that the
    /// next burst of timers fills the slab front to back (as the first burst did)
    /// instead of in the scattered order the last one fired in, which costs a cache
    /// miss per timer on a large slab. Done at most once per `len / 2` inserts, so
    /// it costs O(1) per insert.
    fn reorder_free(&mut self) {
        let mut next = NIL;
        for (i, e) in self.entries.iter_mut().enumerate().rev() {
            e.next = next;
            next = i as u32;
        }
        self.free = next;
        self.inserts_since_reorder = 0;
    }

    /// The tick at which the earliest slot comes due (a lower bound on the earliest
    /// deadline), or `None` when no timer is armed.
    pub(crate) fn next_expiry(&self) -> Option<u64> {
        (0..LEVELS).filter_map(|l| self.level_expiry(l)).min()
    }

    fn level_expiry(&self, level: usize) -> Option<u64> {
        let occ = self.occupied[level];
        if occ == 0 {
            return None;
        }
        let shift = level as u32 * SLOT_BITS;
        let now_slot = (self.elapsed >> shift) as u32 & (SLOTS as u32 - 1);
        let dist = occ.rotate_right(now_slot).trailing_zeros();
        let slot = (now_slot + dist) as u64 & (SLOTS as u64 - 1);
        let range = 1u64 << (shift + SLOT_BITS);
        let level_start = self.elapsed & !(range - 1);
        let mut at = level_start + (slot << shift);
        if at + (1 << shift) <= self.elapsed {
            at += range;
        }
        Some(at.max(self.elapsed))
    }

    /// Advances to tick `now`, pushing the wakers of every timer due by then to `out`.
    pub(crate) fn advance(&mut self, now: u64, out: &mut Vec<Waker>) {
        while let Some(at) = self.next_expiry() {
            if at > now {
                break;
            }
            self.elapsed = self.elapsed.max(at);
            // Take every slot due at `at` (the finest level first does not matter:
            // each entry is either fired or re-filed below `at`'s slots).
            for level in 0..LEVELS {
                if self.level_expiry(level) != Some(at) {
                    continue;
                }
                let shift = level as u32 * SLOT_BITS;
                let slot = (at >> shift) as usize & (SLOTS - 1);
                let mut idx = std::mem::replace(&mut self.heads[level][slot], NIL);
                self.occupied[level] &= !(1 << slot);
                while idx != NIL {
                    let next = self.entries[idx as usize].next;
                    self.entries[idx as usize].home = NIL;
                    if self.entries[idx as usize].when <= now {
                        out.push(self.release(idx));
                    } else {
                        self.link(idx);
                    }
                    idx = next;
                }
            }
        }
        self.elapsed = self.elapsed.max(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn noop() -> Waker {
        Waker::noop().clone()
    }

    /// Once every timer of a burst has fired, the next burst fills the slab front
    /// to back again (not in firing order); stale keys of the first burst stay
    /// dead.
    #[test]
    fn an_emptied_wheel_refills_in_index_order() {
        let mut w = Wheel::new();
        let keys: Vec<Key> = (0..100u64).map(|i| w.insert(300 + i * 7, noop())).collect();
        let mut out = Vec::new();
        w.advance(10_000, &mut out);
        assert_eq!((out.len(), w.len()), (100, 0));
        let again: Vec<u32> = (0..100).map(|_| w.insert(20_000, noop()) as u32).collect();
        assert_eq!(again, (0..100).collect::<Vec<u32>>());
        for k in keys {
            assert!(w.remove(k).is_none(), "a stale key removed a new timer");
        }
        assert_eq!(w.len(), 100);
    }

    /// A deadline beyond the wheel's reach, armed once time has moved off a
    /// top-level slot boundary, used to be filed in the current top slot, which
    /// reads as due now: `advance` re-filed it there forever, holding the lock.
    #[test]
    fn far_deadline_after_time_has_passed() {
        // On a thread with a watchdog: the bug was a hang, not a wrong answer.
        let (tx, rx) = std::sync::mpsc::channel();
        let h = std::thread::spawn(move || {
            far_deadlines();
            let _ = tx.send(());
        });
        match rx.recv_timeout(std::time::Duration::from_secs(10)) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("advance hangs"),
            _ => h.join().unwrap(),
        }
    }

    fn far_deadlines() {
        for far in [
            TOP_TURN - 1,
            TOP_TURN,
            TOP_TURN + 5,
            1 << 40,
            u64::MAX / 2,
            u64::MAX,
        ] {
            let mut w = Wheel::new();
            let mut out = Vec::new();
            w.advance(5, &mut out);
            let k = w.insert(far, noop());
            let near = w.insert(10, noop());
            w.advance(20, &mut out);
            assert_eq!(out.len(), 1, "only the near timer fires");
            assert!(!w.contains(near) && w.contains(k));
            assert!(w.next_expiry().unwrap() > 20);
            // Walk to the horizon and past it: re-filed, never fired early.
            let mut now = 20;
            for _ in 0..200 {
                let Some(next) = w.next_expiry() else { break };
                now = next.max(now);
                out.clear();
                w.advance(now, &mut out);
                assert_eq!(out.is_empty(), now < far, "fired at {now}, due {far}");
                if !out.is_empty() {
                    break;
                }
            }
        }
    }

    /// Random inserts/removes/advances against a BTreeMap model: every timer fires
    /// exactly at the first advance past its deadline, never early, never twice.
    #[test]
    fn matches_model() {
        let mut w = Wheel::new();
        let mut model: BTreeMap<Key, u64> = BTreeMap::new();
        let mut rng = 0x1234_5678_9abc_def0u64;
        let mut rand = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut now = 0u64;
        let mut out = Vec::new();
        for step in 0..if cfg!(miri) { 300 } else { 30_000 } {
            match rand() % 8 {
                0..=3 => {
                    let span = match rand() % 6 {
                        0 => rand() % 64,
                        1 => rand() % 5_000,
                        2 => rand() % 300_000,
                        3 => rand() % 20_000_000_000,
                        // Beyond the wheel's reach (64^6 ticks).
                        4 => TOP_TURN - 2 + rand() % (4 * TOP_TURN),
                        _ => rand() % (1 << 40),
                    };
                    let when = now + span;
                    let k = w.insert(when, noop());
                    model.insert(k, when.max(now + 1));
                }
                4 => {
                    if let Some((&k, _)) = model.iter().nth((rand() % 8) as usize) {
                        assert!(w.remove(k).is_some());
                        model.remove(&k);
                        assert!(w.remove(k).is_none(), "double remove");
                    }
                }
                _ => {
                    let step_len = match rand() % 200 {
                        0 => rand() % (2 * TOP_TURN),
                        1..=66 => 1,
                        67..=133 => rand() % 100,
                        _ => rand() % 100_000,
                    };
                    now += step_len;
                    out.clear();
                    w.advance(now, &mut out);
                    let due: Vec<Key> = model
                        .iter()
                        .filter(|&(_, &t)| t <= now)
                        .map(|(&k, _)| k)
                        .collect();
                    assert_eq!(out.len(), due.len(), "step {step}: fired count at {now}");
                    for k in due {
                        model.remove(&k);
                        assert!(!w.contains(k));
                    }
                }
            }
            assert_eq!(w.len(), model.len());
            if let (Some(next), Some(min)) = (w.next_expiry(), model.values().min()) {
                assert!(
                    next <= *min,
                    "next_expiry {next} after earliest deadline {min}"
                );
            }
        }
    }
}
