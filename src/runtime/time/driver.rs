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
//!   them again, and repeats while one got earlier. All these accesses are `SeqCst`,
//!   so an insert whose read of `next` came before a recompute's store has its wheel
//!   seen by that recompute's second read, and one whose read came after sees the
//!   store and lowers it if needed. (While a recompute runs, `next` may be too high
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

use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
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
    sleeper: Mutex<Option<(u64, Arc<Parker>)>>,
}

static DRIVER: LazyLock<Driver> = LazyLock::new(|| {
    let n = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 1 << SHARD_BITS);
    Driver {
        base: Instant::now(),
        shards: (0..n)
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
});

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
static COARSE: AtomicU64 = AtomicU64::new(0);

/// Milliseconds since the driver started, as of the last clock read (see `COARSE`).
pub(crate) fn coarse_ms() -> u64 {
    let nanos = COARSE.load(Relaxed) as u128 * TICK_NANOS;
    (nanos / 1_000_000) as u64
}

fn instant_of(tick: u64) -> Instant {
    let nanos = (tick as u128 * TICK_NANOS).min(u64::MAX as u128) as u64;
    DRIVER.base + Duration::from_nanos(nanos)
}

fn shard(i: usize) -> &'static Shard {
    &DRIVER.shards[i].0
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
    s.next.store(next, SeqCst);
    next
}

fn earliest() -> u64 {
    DRIVER
        .shards
        .iter()
        .map(|s| s.0.next.load(SeqCst))
        .min()
        .unwrap_or(u64::MAX)
}

/// Sets `next` to the earliest of the wheels' (caller holds `GLOBAL`). Reads the
/// wheels again after the store, and stores again if one got earlier meanwhile: an
/// insert that read `next` before the store may have skipped lowering it (see the
/// module docs).
fn recompute(_global: &MutexGuard<'_, Option<(u64, Arc<Parker>)>>) {
    let mut min = earliest();
    loop {
        DRIVER.next.store(min, SeqCst);
        let again = earliest();
        if again >= min {
            return;
        }
        min = again;
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
    let when = tick_at_or_after(deadline);
    let n = DRIVER.shards.len();
    let first = crate::runtime::shared::shard_hint() % n;
    let (key, earliest) = (0..n)
        .map(|k| (first + k) % n)
        .find_map(|i| {
            let s = shard(i);
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
    if let Some(next) = earliest.filter(|&n| n < DRIVER.next.load(SeqCst)) {
        let s = lock(&DRIVER.sleeper);
        if next < DRIVER.next.load(SeqCst) {
            DRIVER.next.store(next, SeqCst);
        }
        match &*s {
            Some((until, p)) if *until > when => p.unpark(),
            Some(_) => {}
            None => unattended = !crate::runtime::shared::on_worker(),
        }
    }
    (key, unattended)
}

/// Re-points an armed timer at `waker`; false if it has fired (or was removed).
pub(crate) fn set_waker(key: Key, waker: &Waker) -> bool {
    if key & bubble::KEY_BIT != 0 {
        return crate::runtime::shared::current_bubble()
            .is_some_and(|b| b.set_timer_waker(key, waker));
    }
    let (i, k) = split(key);
    DRIVER
        .shards
        .get(i)
        .is_some_and(|s| lock(&s.0.wheel).set_waker(k, waker))
}

/// Disarms a timer; returns whether it was still armed (false if it fired).
pub(crate) fn remove(key: Key) -> bool {
    if key & bubble::KEY_BIT != 0 {
        // Dropped outside its bubble (after it ended): the bubble drops it.
        return crate::runtime::shared::current_bubble().is_some_and(|b| b.remove_timer(key));
    }
    let (i, k) = split(key);
    let Some(s) = DRIVER.shards.get(i).map(|s| &s.0) else {
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

/// Armed timers in the process, or in the bubble of this thread (a test hook:
/// dropped timers must not linger).
pub(crate) fn live() -> usize {
    match crate::runtime::shared::current_bubble() {
        Some(b) => b.timers(),
        None => DRIVER.shards.iter().map(|s| lock(&s.0.wheel).len()).sum(),
    }
}

/// Whether a timer is due now.
pub(crate) fn due() -> bool {
    let next = DRIVER.next.load(SeqCst);
    next != u64::MAX && next <= now_tick()
}

/// Fires every due timer, moving their wakers to `out`; false if none was due.
pub(crate) fn fire_due(out: &mut Vec<Waker>) -> bool {
    if !due() {
        return false;
    }
    let now = now_tick();
    for s in DRIVER.shards.iter().map(|s| &s.0) {
        if s.next.load(SeqCst) <= now {
            let mut w = lock(&s.wheel);
            w.advance(now, out);
            publish(s, &w);
        }
    }
    recompute(&lock(&DRIVER.sleeper));
    !out.is_empty()
}

/// Called by a worker about to park: if a timer is armed and no sleeper wakes earlier,
/// become the sleeper and return the instant to wake at.
pub(crate) fn claim_sleep(parker: &Arc<Parker>) -> Option<Instant> {
    let next = DRIVER.next.load(SeqCst);
    if next == u64::MAX {
        return None;
    }
    let mut s = lock(&DRIVER.sleeper);
    match &*s {
        Some((until, _)) if *until <= next => None,
        _ => {
            *s = Some((next, parker.clone()));
            Some(instant_of(next))
        }
    }
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
        assert!(DRIVER.next.load(SeqCst) <= earliest());
        assert!(DRIVER.next.load(SeqCst) <= tick_at_or_after(soon));
        assert!(remove(k));
        assert!(DRIVER.next.load(SeqCst) <= earliest());
        std::thread::sleep(Duration::from_millis(2));
        let mut out = Vec::new();
        fire_due(&mut out);
        assert!(DRIVER.next.load(SeqCst) <= earliest());
    }
}
