//! The process-wide timer driver: timer wheels behind one mutex each, one wheel per
//! core (Go moved from one timer heap to one per P in 1.14 for the same reason: one
//! lock that every core arms its timers under serialises them), driven by the
//! workers of every goro runtime (there is no timer thread).
//!
//! - A timer is armed in the wheel of the worker that arms it (`shard_hint`; threads
//!   that are not workers share one), so workers arming timers at once take
//!   different locks. Its key names the wheel.
//! - `next` (an atomic) is a lower bound on the earliest deadline of all wheels, so
//!   a worker can check "is a timer due?" with one load and a clock read. Each wheel
//!   publishes its own earliest slot in its `next`, written under its lock.
//! - **The invariant** `next <= min(wheel.next)`, so that no worker sleeps past a
//!   deadline. An insert stores its wheel's `next` (under the wheel's lock) and then
//!   reads `next`; if its wheel's earliest slot is now earlier than `next`, it lowers
//!   `next` under `GLOBAL` (and wakes the sleeper if it must). `recompute` (after
//!   firing) runs under `GLOBAL`: it stores the minimum of the wheels' `next`s, reads
//!   them again, and repeats while one got earlier. Each side stores, issues a
//!   `SeqCst` fence, then loads (the store-buffer pattern), so an insert whose
//!   read of `next` missed a recompute's store has its wheel seen by that
//!   recompute's second read, and one whose read came after sees the store and
//!   lowers it if needed. (While a recompute runs, `next` may be too high
//!   for an instant; `claim_sleep` takes `GLOBAL`, so no worker parks on it, and a
//!   worker's `due` check in that instant only looks again later.)
//! - Raising a wheel's earliest slot (a fire, a remove) leaves `next` low until the
//!   next recompute, which comes when `next` passes: one look for nothing. A remove
//!   never takes `GLOBAL` (Go deletes timers lazily too), and an insert that does
//!   not make the earliest deadline earlier takes only its wheel's lock: arming and
//!   cancelling a timeout costs two uncontended locks.
//! - A parking worker becomes the *sleeper* if it would wake earlier than the current
//!   one, and parks until `next`. Arming a timer earlier than the sleeper's wake-up
//!   unparks the sleeper, which re-parks with the new deadline.
//! - Arming from a thread that is not a worker (a foreign executor, a plain thread)
//!   when no worker sleeps on the timers wakes a worker of the global runtime (the
//!   caller does, told by `insert`), and so does a runtime that shuts down while
//!   timers are armed and no worker sleeps on them.
//! - Running workers fire due timers (of every wheel) every 61 ticks and when out of
//!   local work.
//! - A timer armed inside a synctest bubble goes to that bubble's virtual clock
//!   instead (see `runtime::bubble`); its key has `bubble::KEY_BIT` set, which a
//!   wheel key never has.
//!
//! Where goro differs from Go: Go's Ps run their own timers and steal others' from
//! `findrunnable`; goro's workers fire every due wheel, whichever armed it, so a
//! timer never waits for a busy worker.

use std::sync::atomic::{AtomicU64 as StdAtomicU64, Ordering::*};
use std::sync::{Arc, LazyLock};

use crate::loom::sync::atomic::{AtomicU64, fence};
use crate::loom::sync::{Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::wheel::{Key, Wheel};
use crate::runtime::bubble;
use crate::runtime::park::Parker;

/// Bits of a wheel key's entry index kept in a driver key (64M timers per wheel; an
/// insert into a full wheel goes to the next one).
const INDEX_BITS: u32 = 26;
/// Bits of the wheel number, above the index (at most 64 wheels).
const SHARD_BITS: u32 = 6;
const SHARD_MASK: u64 = ((1 << SHARD_BITS) - 1) << INDEX_BITS;

/// One wheel and its earliest slot.
struct Shard {
    wheel: Mutex<Wheel>,
    /// The wheel's earliest slot tick, `u64::MAX` when empty; written under `wheel`.
    next: AtomicU64,
}

/// Keeps each wheel's lock and `next` on lines of their own.
#[repr(align(128))]
struct Padded(Shard);

struct Driver {
    base: Instant,
    shards: Box<[Padded]>,
    /// Lower bound on every wheel's `next` (see the module docs), `u64::MAX` when
    /// no timer is armed.
    next: AtomicU64,
    /// `GLOBAL`: the worker parked until the earliest deadline, and that deadline's
    /// tick; its lock also orders the updates of `next`.
    sleeper: Mutex<Sleeper>,
}

static DRIVER: LazyLock<Driver> = LazyLock::new(|| {
    Driver::new(
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        Instant::now(),
    )
});

type Sleeper = Option<(u64, Arc<Parker>)>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The wheel's tick: a timer fires at the first tick at or after its deadline, so at
/// most one tick late (plus the OS's wake-up latency), never early.
const TICK_NANOS: u128 = 100_000;

/// The tick at or after `t` (a timer never fires before its deadline).
pub(crate) fn tick_at_or_after(t: Instant) -> u64 {
    let d = t.saturating_duration_since(DRIVER.base).as_nanos();
    // Saturating: an instant too far for a u64 of ticks is simply "never" (a
    // truncating cast would wrap it into the near future).
    u64::try_from(d.div_ceil(TICK_NANOS)).unwrap_or(u64::MAX)
}

fn now_tick() -> u64 {
    let t = (DRIVER.base.elapsed().as_nanos() / TICK_NANOS) as u64;
    COARSE.store(t, Relaxed);
    t
}

/// The last tick any thread read the clock at (workers do every 61 polls and when
/// they park): a clock that costs one load, for "waiting for how long" in dumps.
static COARSE: StdAtomicU64 = StdAtomicU64::new(0);

/// Milliseconds since the driver started, as of the last clock read (see `COARSE`).
pub(crate) fn coarse_ms() -> u64 {
    let nanos = COARSE.load(Relaxed) as u128 * TICK_NANOS;
    (nanos / 1_000_000) as u64
}

fn instant_of(tick: u64) -> Instant {
    let nanos = (tick as u128 * TICK_NANOS).min(u64::MAX as u128) as u64;
    DRIVER.base + Duration::from_nanos(nanos)
}

/// The wheel number and wheel key of a driver key.
fn split(key: Key) -> (usize, Key) {
    (
        ((key & SHARD_MASK) >> INDEX_BITS) as usize,
        key & !SHARD_MASK,
    )
}

/// Stores wheel `s`'s earliest slot in its `next` (under its lock); returns it.
fn publish(s: &Shard, wheel: &Wheel) -> u64 {
    let next = wheel.next_expiry().unwrap_or(u64::MAX);
    // Release: readers that need more order it with the fences (see `insert`).
    s.next.store(next, Release);
    next
}

/// The driver's protocol, on ticks (the functions below add the clock, the bubbles
/// and the process-wide instance); the loom models drive it directly.
impl Driver {
    fn new(wheels: usize, base: Instant) -> Driver {
        Driver {
            base,
            shards: (0..wheels.clamp(1, 1 << SHARD_BITS))
                .map(|_| {
                    Padded(Shard {
                        wheel: Mutex::new(Wheel::new()),
                        next: AtomicU64::new(u64::MAX),
                    })
                })
                .collect(),
            next: AtomicU64::new(u64::MAX),
            sleeper: Mutex::new(None),
        }
    }

    /// The earliest of the wheels' `next`s.
    fn earliest(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.0.next.load(SeqCst))
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Sets `next` to the earliest of the wheels' (the caller holds `GLOBAL`). Reads
    /// the wheels again after the store, and stores again if one got earlier
    /// meanwhile: an insert that read `next` before the store may have skipped
    /// lowering it (see the module docs).
    fn recompute(&self, _global: &MutexGuard<'_, Sleeper>) {
        let mut min = self.earliest();
        loop {
            self.next.store(min, SeqCst);
            // Pairs with the fence in `insert` (a store-then-load on each side: one
            // of the two sees the other's store).
            fence(SeqCst);
            let again = self.earliest();
            if again >= min {
                return;
            }
            min = again;
        }
    }

    /// Arms a timer due at tick `when` in wheel `hint % wheels` (or the next one
    /// with room); returns its key and whether it is unattended (see `insert`).
    fn insert(
        &self,
        when: u64,
        waker: &Waker,
        hint: usize,
        on_worker: impl FnOnce() -> bool,
    ) -> (Key, bool) {
        let n = self.shards.len();
        let first = hint % n;
        let (key, earlier) = (0..n)
            .map(|k| (first + k) % n)
            .find_map(|i| {
                let s = &self.shards[i].0;
                let mut w = lock(&s.wheel);
                if !w.has_room(1 << INDEX_BITS) {
                    return None; // full: the next wheel
                }
                let key = w.insert(when, waker.clone());
                let before = s.next.load(Relaxed);
                let next = publish(s, &w);
                Some((
                    key | (i as u64) << INDEX_BITS,
                    (next < before).then_some(next),
                ))
            })
            .expect("goro: every timer wheel is full (64M timers each)");
        let mut unattended = false;
        // Pairs with the fence in `recompute`.
        if earlier.is_some() {
            fence(SeqCst);
        }
        if let Some(next) = earlier.filter(|&n| n < self.next.load(SeqCst)) {
            let s = lock(&self.sleeper);
            if next < self.next.load(SeqCst) {
                self.next.store(next, SeqCst);
            }
            match &*s {
                Some((until, p)) if *until > when => p.unpark(),
                Some(_) => {}
                None => unattended = !on_worker(),
            }
        }
        (key, unattended)
    }

    fn set_waker(&self, key: Key, waker: &Waker) -> bool {
        let (i, k) = split(key);
        self.shards
            .get(i)
            .is_some_and(|s| lock(&s.0.wheel).set_waker(k, waker))
    }

    fn remove(&self, key: Key) -> bool {
        let (i, k) = split(key);
        let Some(s) = self.shards.get(i).map(|s| &s.0) else {
            return false;
        };
        let w = {
            let mut w = lock(&s.wheel);
            let r = w.remove(k);
            if r.is_some() && w.len() == 0 {
                publish(s, &w);
            }
            r
        };
        // `next` stays as it was, a lower bound: the next `fire_due` after it passes
        // finds nothing due and recomputes it (Go also deletes timers lazily).
        let armed = w.is_some();
        drop(w); // drop the waker outside the lock
        armed
    }

    fn live(&self) -> usize {
        self.shards.iter().map(|s| lock(&s.0.wheel).len()).sum()
    }

    /// Fires every timer due at tick `now` (of every wheel) into `out`.
    fn fire_due(&self, now: u64, out: &mut Vec<Waker>) -> bool {
        for s in self.shards.iter().map(|s| &s.0) {
            if s.next.load(SeqCst) <= now {
                let mut w = lock(&s.wheel);
                w.advance(now, out);
                publish(s, &w);
            }
        }
        self.recompute(&lock(&self.sleeper));
        !out.is_empty()
    }

    /// Becomes the sleeper if a timer is armed and no sleeper wakes earlier; returns
    /// the tick to wake at.
    fn claim_sleep(&self, parker: &Arc<Parker>) -> Option<u64> {
        if self.next.load(SeqCst) == u64::MAX {
            return None;
        }
        let mut s = lock(&self.sleeper);
        // Read under the lock: no recompute is halfway (see the module docs).
        let next = self.next.load(SeqCst);
        match &*s {
            _ if next == u64::MAX => None,
            Some((until, _)) if *until <= next => None,
            _ => {
                *s = Some((next, parker.clone()));
                Some(next)
            }
        }
    }
}

/// Arms a timer for `deadline`, waking `waker` when it is due. Also returns whether
/// the timer is *unattended*: the earliest one, armed off a worker while no worker
/// sleeps on the timers, so the caller must get a worker to drive them
/// (`runtime::wake_global_for_timers`, which this module, below the runtime's
/// top, does not call itself).
pub(crate) fn insert(deadline: Instant, waker: &Waker) -> (Key, bool) {
    if let Some(b) = crate::runtime::shared::current_bubble() {
        // A timer armed inside a synctest bubble runs on its virtual clock.
        return (b.insert_timer(deadline, waker), false);
    }
    DRIVER.insert(
        tick_at_or_after(deadline),
        waker,
        crate::runtime::shared::shard_hint(),
        crate::runtime::shared::on_worker,
    )
}

/// Re-points an armed timer at `waker`; false if it has fired (or was removed).
pub(crate) fn set_waker(key: Key, waker: &Waker) -> bool {
    if key & bubble::KEY_BIT != 0 {
        return crate::runtime::shared::current_bubble()
            .is_some_and(|b| b.set_timer_waker(key, waker));
    }
    DRIVER.set_waker(key, waker)
}

/// Disarms a timer; returns whether it was still armed (false if it fired).
pub(crate) fn remove(key: Key) -> bool {
    if key & bubble::KEY_BIT != 0 {
        // Dropped outside its bubble (after it ended): the bubble drops it.
        return crate::runtime::shared::current_bubble().is_some_and(|b| b.remove_timer(key));
    }
    DRIVER.remove(key)
}

/// Armed timers in the process, or in the bubble of this thread (a test hook:
/// dropped timers must not linger).
pub(crate) fn live() -> usize {
    match crate::runtime::shared::current_bubble() {
        Some(b) => b.timers(),
        None => DRIVER.live(),
    }
}

/// Whether a timer is due now.
pub(crate) fn due() -> bool {
    let next = DRIVER.next.load(SeqCst);
    next != u64::MAX && next <= now_tick()
}

/// Fires every due timer, moving their wakers to `out`; false if none was due.
pub(crate) fn fire_due(out: &mut Vec<Waker>) -> bool {
    due() && DRIVER.fire_due(now_tick(), out)
}

/// Called by a worker about to park: if a timer is armed and no sleeper wakes earlier,
/// become the sleeper and return the instant to wake at.
pub(crate) fn claim_sleep(parker: &Arc<Parker>) -> Option<Instant> {
    DRIVER.claim_sleep(parker).map(instant_of)
}

/// Whether timers are armed while no worker sleeps on them.
pub(crate) fn armed_without_sleeper() -> bool {
    DRIVER.next.load(SeqCst) != u64::MAX && lock(&DRIVER.sleeper).is_none()
}

/// Gives up the sleeper role after waking (if still ours).
pub(crate) fn release_sleep(parker: &Arc<Parker>) {
    let mut s = lock(&DRIVER.sleeper);
    if s.as_ref().is_some_and(|(_, p)| Arc::ptr_eq(p, parker)) {
        *s = None;
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A driver key names its wheel and the wheel's entry: set_waker and remove find
    /// the timer again, a removed key finds nothing, and no key has the bubble bit.
    #[test]
    fn keys_name_their_wheel() {
        let w = Waker::noop();
        let far = Instant::now() + Duration::from_secs(3600);
        let keys: Vec<Key> = (0..8).map(|_| insert(far, w).0).collect();
        for &k in &keys {
            assert_eq!(k & bubble::KEY_BIT, 0);
            let (i, _) = split(k);
            assert!(i < DRIVER.shards.len());
            assert!(set_waker(k, w));
        }
        for &k in &keys {
            assert!(remove(k), "an armed timer is found by its key");
            assert!(!remove(k), "a removed key finds nothing");
            assert!(!set_waker(k, w));
        }
    }

    /// `next` stays at or below every wheel's earliest slot (the invariant in the
    /// module docs) while timers are armed and removed, and `fire_due` recomputes it.
    #[test]
    fn next_is_a_lower_bound() {
        let w = Waker::noop();
        let soon = Instant::now() + Duration::from_millis(1);
        let (k, _) = insert(soon, w);
        assert!(DRIVER.next.load(SeqCst) <= DRIVER.earliest());
        assert!(DRIVER.next.load(SeqCst) <= tick_at_or_after(soon));
        assert!(remove(k));
        assert!(DRIVER.next.load(SeqCst) <= DRIVER.earliest());
        std::thread::sleep(Duration::from_millis(2));
        let mut out = Vec::new();
        fire_due(&mut out);
        assert!(DRIVER.next.load(SeqCst) <= DRIVER.earliest());
    }
}

/// Loom models of the real driver's `next` protocol (two wheels): whatever the
/// interleaving of an insert with a fire and its recompute, `next` ends at or below
/// the earliest armed slot, so no worker can sleep past a deadline.
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    fn model(armed: u64, fire_at: u64) {
        loom::model(move || {
            let d = loom::sync::Arc::new(Driver::new(2, Instant::now()));
            d.insert(armed, Waker::noop(), 0, || true);
            let d2 = d.clone();
            let a = loom::thread::spawn(move || {
                d2.insert(5, Waker::noop(), 1, || true);
            });
            let mut out = Vec::new();
            d.fire_due(fire_at, &mut out);
            a.join().unwrap();
            assert!(
                d.next.load(SeqCst) <= d.earliest(),
                "next {} above the earliest slot {}",
                d.next.load(SeqCst),
                d.earliest()
            );
        });
    }

    /// A worker claims the sleep (until the earliest deadline it sees) and parks
    /// while another arms an earlier timer on the other wheel: either the claim sees
    /// the new deadline, or the insert sees the sleeper and unparks it. A lost
    /// wake-up leaves the worker parked forever, which loom reports as a deadlock.
    #[test]
    fn an_earlier_timer_wakes_the_sleeper() {
        loom::model(|| {
            let d = loom::sync::Arc::new(Driver::new(2, Instant::now()));
            d.insert(10, Waker::noop(), 0, || true);
            let d2 = d.clone();
            let a = loom::thread::spawn(move || {
                d2.insert(5, Waker::noop(), 1, || true);
            });
            let parker = Arc::new(Parker::new());
            if let Some(until) = d.claim_sleep(&parker) {
                if until > 5 {
                    parker.park(None);
                }
            }
            a.join().unwrap();
        });
    }

    /// An insert on one wheel races a recompute that fires nothing.
    #[test]
    fn insert_races_a_recompute() {
        model(10, 3);
    }

    /// An insert on one wheel races a fire on the other, which raises that wheel.
    #[test]
    fn insert_races_a_fire() {
        model(2, 3);
    }
}
