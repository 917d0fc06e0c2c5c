//! The process-wide timer driver: one [`Wheel`] behind a mutex, driven by the
//! workers of every goro runtime (there is no timer thread).
//!
//! - Arming publishes the earliest deadline in `next` (an atomic), so a worker can
//!   check "is a timer due?" with one load and a clock read.
//! - A parking worker becomes the *sleeper* if it would wake earlier than the current
//!   one, and parks until the earliest deadline. Arming a timer earlier than the
//!   sleeper's wake-up unparks the sleeper, which re-parks with the new deadline.
//! - Arming from a thread that is not a worker (a foreign executor, a plain thread)
//!   when no worker sleeps on the timers wakes a worker of the global runtime (the
//!   caller does, told by `insert`), and so does a runtime that shuts down while
//!   timers are armed and no worker sleeps on them.
//! - Running workers fire due timers every 61 ticks and when out of local work.
//! - A timer armed inside a synctest bubble goes to that bubble's virtual clock
//!   instead (see `runtime::bubble`); its key has `bubble::KEY_BIT` set, which a
//!   wheel key never has.

use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::wheel::{Key, Wheel};
use crate::runtime::bubble;
use crate::runtime::park::Parker;

struct Driver {
    base: Instant,
    wheel: Mutex<Wheel>,
    /// Earliest slot tick in the wheel, `u64::MAX` when empty.
    next: AtomicU64,
    /// The worker parked until the earliest deadline, and that deadline's tick.
    sleeper: Mutex<Option<(u64, Arc<Parker>)>>,
}

static DRIVER: LazyLock<Driver> = LazyLock::new(|| Driver {
    base: Instant::now(),
    wheel: Mutex::new(Wheel::new()),
    next: AtomicU64::new(u64::MAX),
    sleeper: Mutex::new(None),
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

fn publish(wheel: &Wheel) {
    DRIVER
        .next
        .store(wheel.next_expiry().unwrap_or(u64::MAX), SeqCst);
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
    let (key, earlier) = {
        let mut w = lock(&DRIVER.wheel);
        let key = w.insert(when, waker.clone());
        let next = w.next_expiry().unwrap_or(u64::MAX);
        let earlier = next < DRIVER.next.load(Relaxed);
        if earlier {
            DRIVER.next.store(next, SeqCst);
        }
        (key, earlier)
    };
    let mut unattended = false;
    if earlier {
        let s = lock(&DRIVER.sleeper);
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
    lock(&DRIVER.wheel).set_waker(key, waker)
}

/// Disarms a timer; returns whether it was still armed (false if it fired).
pub(crate) fn remove(key: Key) -> bool {
    if key & bubble::KEY_BIT != 0 {
        // Dropped outside its bubble (after it ended): the bubble drops it.
        return crate::runtime::shared::current_bubble().is_some_and(|b| b.remove_timer(key));
    }
    let w = {
        let mut w = lock(&DRIVER.wheel);
        let r = w.remove(key);
        if r.is_some() && w.len() == 0 {
            publish(&w);
        }
        r
    };
    let armed = w.is_some();
    drop(w); // drop the waker outside the lock
    armed
}

/// Armed timers in the process, or in the bubble of this thread (a test hook:
/// dropped timers must not linger).
pub(crate) fn live() -> usize {
    match crate::runtime::shared::current_bubble() {
        Some(b) => b.timers(),
        None => lock(&DRIVER.wheel).len(),
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
    let mut w = lock(&DRIVER.wheel);
    w.advance(now, out);
    publish(&w);
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
