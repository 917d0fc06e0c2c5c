//! Timer channels: `after`, `Timer` and `Ticker` (Go's `time.After`, `time.Timer`,
//! `time.Ticker`).
//!
//! Each is a goro channel of capacity 1 with no `Sender` handle, fed by a timer in
//! the wheel whose waker sends the current instant into it ("offers": a full buffer
//! drops the tick, so a slow reader gets dropped ticks, not a backlog, as in Go).
//! The channel never closes from the sending side, so a second receive after the
//! one value waits forever, as on Go's timer channels. A timer is disarmed when its
//! owner goes: the last receiver of an `after` channel, or the `Timer`/`Ticker`
//! value, so abandoned timeouts hold nothing in the wheel.
//!
//! Go 1.23 semantics for `stop` and `reset`: once they return, no value from the old
//! timer can be received (a buffered stale value is discarded, and counts as "not yet
//! fired": `stop` returns `true` for it, as Go's does now that its timer channels are
//! unbuffered). Each arming carries a sequence number; `stop` and `reset` bump it
//! under the timer's lock, so a fire already taken out of the wheel by a worker but
//! not yet delivered (the race Go handles with its `seq` field) is dropped instead of
//! delivering a stale value or re-arming behind `reset`'s back.

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

use crate::chan::hchan::Chan;
use crate::chan::{Receiver, timer_chan};
use crate::runtime::time::driver;

/// An `after` channel is its own timer's waker (no allocation beyond the channel):
/// waking it fires once, sending the instant into it. `Timer` and `Ticker` fire
/// through wakers of their own (`TimerFire`, `TickFire`).
impl Wake for Chan<Instant> {
    fn wake(self: Arc<Self>) {
        self.timer.store(0, std::sync::atomic::Ordering::Release);
        self.offer(super::now());
    }
}

/// Returns a channel that receives the current instant once `d` has elapsed: Go's
/// `time.After`. Use it as a `select!` branch for a timeout (`_ = after(d) => ..`);
/// dropping the receiver before it fires disarms the timer at once. Go's
/// `<-time.After(d)` is `after(d).recv().await` (a plain wait is better written
/// [`sleep(d)`](super::sleep)`.await`, which allocates no channel).
///
/// ```
/// use std::time::Duration;
/// goro::run(async {
///     let at = goro::time::after(Duration::from_millis(1)).recv().await;
///     assert!(at.is_some());
/// });
/// ```
///
/// ```
/// use std::time::Duration;
/// goro::run(async {
///     let (_tx, rx) = goro::chan::<u32>(0);
///     let timed_out = goro::select! {
///         _ = rx.recv() => false,
///         _ = goro::time::after(Duration::from_millis(5)) => true,
///     };
///     assert!(timed_out);
/// });
/// ```
pub fn after(d: Duration) -> Receiver<Instant> {
    after_at(
        super::now()
            .checked_add(d)
            .unwrap_or_else(super::far_future),
    )
}

fn after_at(deadline: Instant) -> Receiver<Instant> {
    let (chan, rx) = timer_chan();
    let waker = Waker::from(chan.clone());
    let key = super::arm(deadline, &waker);
    // (If it already fired, the channel's `wake` has run and the store below is
    // harmless: removing a fired key is a no-op.)
    chan.timer
        .store(key + 1, std::sync::atomic::Ordering::Release);
    rx
}

/// A single event at a deadline, with a channel: Go's `time.Timer`.
///
/// Wait for the event with [`recv`](Timer::recv) (also a `select!` branch:
/// `at = t.recv() => ..`), or use [`c`](Timer::c), the timer's channel (Go's `t.C`),
/// where a [`Receiver`] is needed. Dropping the `Timer` disarms it.
///
/// ```
/// use std::time::Duration;
/// goro::run(async {
///     let t = goro::time::Timer::new(Duration::from_millis(2));
///     let fired_at = t.recv().await.unwrap();
///     assert!(!t.stop(), "already fired");
///     assert!(t.reset(Duration::from_millis(1)) == false);
///     assert!(t.recv().await.unwrap() > fired_at);
/// });
/// ```
#[derive(Debug)]
pub struct Timer {
    rx: Receiver<Instant>,
    state: Arc<TimerState>,
}

struct TimerState {
    chan: Arc<Chan<Instant>>,
    arm: Mutex<Arm>,
}

struct Arm {
    /// The armed timer, if any (a fire in flight still has its key here).
    key: Option<u64>,
    /// Bumped by every `stop`/`reset`: a fire with an older number is stale.
    seq: u64,
}

impl std::fmt::Debug for TimerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TimerState")
    }
}

struct TimerFire {
    state: Arc<TimerState>,
    seq: u64,
}

impl Wake for TimerFire {
    fn wake(self: Arc<Self>) {
        let mut arm = lock(&self.state.arm);
        if arm.seq != self.seq {
            return; // stopped or reset after the wheel let go of this fire
        }
        // Fired: no longer armed. Send under the lock so `stop` and `reset`, which
        // drain under it, never leave a value from the old deadline behind.
        arm.key = None;
        self.state.chan.offer(super::now());
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Timer {
    /// A timer that sends the current instant on its channel after `d`: Go's
    /// `time.NewTimer`.
    ///
    /// ```
    /// let t = goro::time::Timer::new(std::time::Duration::from_secs(60));
    /// assert!(t.stop());
    /// ```
    pub fn new(d: Duration) -> Timer {
        let (chan, rx) = timer_chan();
        let state = Arc::new(TimerState {
            chan,
            arm: Mutex::new(Arm { key: None, seq: 0 }),
        });
        let t = Timer { rx, state };
        let mut arm = lock(&t.state.arm);
        t.arm(&mut arm, deadline_after(d));
        drop(arm);
        t
    }

    fn arm(&self, arm: &mut Arm, deadline: Instant) {
        let waker = Waker::from(Arc::new(TimerFire {
            state: self.state.clone(),
            seq: arm.seq,
        }));
        arm.key = Some(super::arm(deadline, &waker));
    }

    /// Disarms (under the lock) and discards an unreceived value; whether the
    /// timer was pending: armed, firing, or fired but not received.
    fn disarm(&self, arm: &mut Arm) -> bool {
        arm.seq = arm.seq.wrapping_add(1);
        // A key still here is either in the wheel (removed now) or a fire in
        // flight, which the new `seq` turns into a no-op: stopped either way.
        let armed = arm.key.take().inspect(|&k| {
            driver::remove(k);
        });
        // Only our fire sends on this channel, under the lock we hold, so a value
        // here is that fire's, not yet received.
        let unreceived = self.rx.try_recv().is_ok();
        armed.is_some() || unreceived
    }

    /// Disarms the timer and discards a value it sent that nobody received. Returns
    /// `true` if the call stopped the timer, `false` if its value had already been
    /// received or it had been stopped (Go 1.23's `Timer.Stop`). A fired value still
    /// waiting in the channel counts as not yet delivered: it is discarded and `stop`
    /// returns `true`, so the old idiom `if !t.stop() { t.recv().await; }` never
    /// blocks. After `stop` returns, no value from before it can be received.
    ///
    /// ```
    /// let t = goro::time::Timer::new(std::time::Duration::from_secs(60));
    /// assert!(t.stop());
    /// assert!(!t.stop());
    /// ```
    pub fn stop(&self) -> bool {
        let mut arm = lock(&self.state.arm);
        self.disarm(&mut arm)
    }

    /// Re-arms the timer to fire after `d`, discarding a value from before. Returns
    /// `true` if the timer had been pending, as [`stop`](Timer::stop) counts it
    /// (Go 1.23's `Timer.Reset`). After `reset` returns, only the new deadline's
    /// value can be received.
    ///
    /// ```
    /// use std::time::Duration;
    /// goro::run(async {
    ///     let t = goro::time::Timer::new(Duration::from_secs(60));
    ///     assert!(t.reset(Duration::from_millis(1)));
    ///     t.recv().await;
    /// });
    /// ```
    pub fn reset(&self, d: Duration) -> bool {
        // One critical section: concurrent resets cannot both arm.
        let mut arm = lock(&self.state.arm);
        let pending = self.disarm(&mut arm);
        self.arm(&mut arm, deadline_after(d));
        pending
    }

    /// Waits for the timer to fire and returns the instant it fired at: Go's
    /// `<-t.C`. A stopped timer's `recv` waits forever, as in Go. Usable as a
    /// `select!` branch (`at = t.recv() => ..`).
    ///
    /// ```
    /// use std::time::Duration;
    /// goro::run(async {
    ///     let t = goro::time::Timer::new(Duration::from_millis(1));
    ///     let (_tx, rx) = goro::chan::<()>(0);
    ///     let fired = goro::select! {
    ///         _ = rx.recv() => false,
    ///         at = t.recv() => at.is_some(),
    ///     };
    ///     assert!(fired);
    /// });
    /// ```
    pub fn recv(&self) -> crate::chan::RecvFuture<'_, Instant> {
        self.rx.recv()
    }

    /// Receives the timer's instant if it is already there, without waiting: Go's
    /// `select { case v := <-t.C: .. default: }`.
    ///
    /// ```
    /// let t = goro::time::Timer::new(std::time::Duration::from_secs(60));
    /// assert_eq!(t.try_recv(), Err(goro::TryRecvError::Empty));
    /// ```
    pub fn try_recv(&self) -> Result<Instant, crate::chan::TryRecvError> {
        self.rx.try_recv()
    }

    /// Waits for the timer's instant, blocking the thread: for code outside the runtime.
    ///
    /// ```
    /// let t = goro::time::Timer::new(std::time::Duration::from_millis(1));
    /// assert!(t.recv_blocking().is_some());
    /// ```
    pub fn recv_blocking(&self) -> Option<Instant> {
        self.rx.recv_blocking()
    }

    /// The number of values waiting in the channel, 0 or 1: Go's `len(t.C)`.
    ///
    /// ```
    /// let t = goro::time::Timer::new(std::time::Duration::from_secs(60));
    /// assert_eq!(t.len(), 0);
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// The timer's channel (Go's `t.C`). `Timer` does not deref to it (a `Timer` is
    /// not a smart pointer); the receive operations are methods of the `Timer` itself
    /// (`recv`, `try_recv`, `recv_blocking`, `len`), and `c()` gives the rest
    /// (`cap`, `is_closed`, a [`Select`](crate::Select) case).
    ///
    /// ```
    /// let t = goro::time::Timer::new(std::time::Duration::from_secs(1));
    /// assert_eq!(t.c().cap(), 1);
    /// assert!(t.c().try_recv().is_err()); // not fired yet
    /// ```
    ///
    /// ```compile_fail,E0614
    /// // No `Deref<Target = Receiver>`: the channel is reached via `c()`.
    /// let t = goro::time::Timer::new(std::time::Duration::from_secs(1));
    /// let _rx: &goro::Receiver<std::time::Instant> = &*t;
    /// ```
    pub fn c(&self) -> &Receiver<Instant> {
        &self.rx
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        let mut arm = lock(&self.state.arm);
        arm.seq = arm.seq.wrapping_add(1);
        if let Some(k) = arm.key.take() {
            driver::remove(k);
        }
    }
}

/// `now + d`, saturating to the far future.
fn deadline_after(d: Duration) -> Instant {
    super::now()
        .checked_add(d)
        .unwrap_or_else(super::far_future)
}

/// Delivers the instant on its channel every period: Go's `time.Ticker`. A slow
/// reader gets dropped ticks, not a backlog. Dropping the `Ticker` stops it.
///
/// ```
/// use std::time::Duration;
/// goro::run(async {
///     let ticker = goro::time::tick(Duration::from_millis(1));
///     for _ in 0..3 {
///         ticker.recv().await.unwrap();
///     }
///     ticker.stop();
/// });
/// ```
#[derive(Debug)]
pub struct Ticker {
    rx: Receiver<Instant>,
    state: Arc<TickState>,
}

struct TickState {
    chan: Arc<Chan<Instant>>,
    inner: Mutex<Tick>,
}

impl std::fmt::Debug for TickState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TickState")
    }
}

struct Tick {
    period: Duration,
    next: Instant,
    key: Option<u64>,
    stopped: bool,
    /// Bumped by `stop`/`reset`: a fire armed before is stale (see [`Arm::seq`]).
    seq: u64,
}

/// One armed tick of a [`Ticker`], tagged with the arming's sequence number.
struct TickFire {
    state: Arc<TickState>,
    seq: u64,
}

impl Wake for TickFire {
    fn wake(self: Arc<Self>) {
        let mut t = lock(&self.state.inner);
        if t.stopped || t.seq != self.seq {
            return; // stopped or reset after the wheel let go of this fire
        }
        let now = super::now();
        // Full: the reader is slow; this tick is dropped.
        self.state.chan.offer(now);
        // Next tick on the period grid, skipping (in O(1)) the ones already missed.
        t.next = next_on_grid(t.next, t.period, now);
        let next = t.next;
        let waker = Waker::from(self.clone());
        t.key = Some(super::arm(next, &waker));
    }
}

/// The first instant after `now` on the grid `next + k * period` (`k >= 0`).
fn next_on_grid(next: Instant, period: Duration, now: Instant) -> Instant {
    if next > now {
        return next;
    }
    let p = period.as_nanos();
    let skip = ((now - next).as_nanos() / p + 1) * p;
    u64::try_from(skip / 1_000_000_000)
        .ok()
        .and_then(|secs| next.checked_add(Duration::new(secs, (skip % 1_000_000_000) as u32)))
        .unwrap_or_else(super::far_future)
}

/// A [`Ticker`] with period `d` (Go's `time.NewTicker`; `time.Tick` too).
///
/// # Panics
/// If `d` is zero, as Go's `NewTicker` panics on a non-positive interval.
///
/// ```
/// let t = goro::time::tick(std::time::Duration::from_millis(10));
/// t.stop();
/// ```
pub fn tick(d: Duration) -> Ticker {
    Ticker::new(d)
}

impl Ticker {
    /// A ticker with period `d`; the first tick comes after `d`.
    ///
    /// # Panics
    /// If `d` is zero.
    ///
    /// ```
    /// let t = goro::time::Ticker::new(std::time::Duration::from_millis(10));
    /// drop(t); // stops it
    /// ```
    pub fn new(d: Duration) -> Ticker {
        assert!(!d.is_zero(), "non-positive interval for goro::time::Ticker");
        let (chan, rx) = timer_chan();
        let state = Arc::new(TickState {
            chan,
            inner: Mutex::new(Tick {
                period: d,
                next: super::now(),
                key: None,
                stopped: true,
                seq: 0,
            }),
        });
        let t = Ticker { rx, state };
        t.reset(d);
        t
    }

    /// Waits for the next tick and returns its instant (`None` never happens while
    /// the ticker lives; a stopped ticker's `recv` waits forever, as in Go).
    ///
    /// ```
    /// goro::run(async {
    ///     let t = goro::time::tick(std::time::Duration::from_millis(1));
    ///     assert!(t.recv().await.is_some());
    /// });
    /// ```
    pub fn recv(&self) -> crate::chan::RecvFuture<'_, Instant> {
        self.rx.recv()
    }

    /// Stops the ticker; no tick is delivered after it returns (a pending one is
    /// discarded).
    ///
    /// ```
    /// let t = goro::time::tick(std::time::Duration::from_millis(1));
    /// t.stop();
    /// assert!(t.c().try_recv().is_err());
    /// ```
    pub fn stop(&self) {
        let mut t = lock(&self.state.inner);
        t.stopped = true;
        t.seq = t.seq.wrapping_add(1);
        if let Some(k) = t.key.take() {
            driver::remove(k);
        }
        self.state.chan.drain();
    }

    /// Changes the period to `d` and restarts: the next tick comes after `d`.
    ///
    /// # Panics
    /// If `d` is zero.
    ///
    /// ```
    /// let t = goro::time::tick(std::time::Duration::from_secs(1));
    /// t.reset(std::time::Duration::from_millis(5));
    /// ```
    pub fn reset(&self, d: Duration) {
        assert!(
            !d.is_zero(),
            "non-positive interval for goro::time::Ticker::reset"
        );
        let mut t = lock(&self.state.inner);
        t.seq = t.seq.wrapping_add(1);
        if let Some(k) = t.key.take() {
            driver::remove(k);
        }
        self.state.chan.drain();
        t.period = d;
        t.stopped = false;
        t.next = deadline_after(d);
        let waker = Waker::from(Arc::new(TickFire {
            state: self.state.clone(),
            seq: t.seq,
        }));
        t.key = Some(super::arm(t.next, &waker));
    }

    /// Receives the next tick's instant if it is already there, without waiting: Go's
    /// `select { case v := <-t.C: .. default: }`.
    ///
    /// ```
    /// let t = goro::time::Ticker::new(std::time::Duration::from_secs(60));
    /// assert_eq!(t.try_recv(), Err(goro::TryRecvError::Empty));
    /// ```
    pub fn try_recv(&self) -> Result<Instant, crate::chan::TryRecvError> {
        self.rx.try_recv()
    }

    /// Waits for the next tick's instant, blocking the thread: for code outside the runtime.
    ///
    /// ```
    /// let t = goro::time::Ticker::new(std::time::Duration::from_millis(1));
    /// assert!(t.recv_blocking().is_some());
    /// ```
    pub fn recv_blocking(&self) -> Option<Instant> {
        self.rx.recv_blocking()
    }

    /// The number of values waiting in the channel, 0 or 1: Go's `len(t.C)`.
    ///
    /// ```
    /// let t = goro::time::Ticker::new(std::time::Duration::from_secs(60));
    /// assert_eq!(t.len(), 0);
    /// ```
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// The ticker's channel (Go's `t.C`). `Ticker` does not deref to it (a `Ticker`
    /// is not a smart pointer); the receive operations are methods of the `Ticker`
    /// itself (`recv`, `try_recv`, `recv_blocking`, `len`), and `c()` gives the rest
    /// (`cap`, `is_closed`, a [`Select`](crate::Select) case).
    ///
    /// ```
    /// let t = goro::time::tick(std::time::Duration::from_secs(1));
    /// assert_eq!(t.c().cap(), 1);
    /// assert!(t.c().try_recv().is_err()); // no tick yet
    /// ```
    ///
    /// ```compile_fail,E0614
    /// // No `Deref<Target = Receiver>`: the channel is reached via `c()`.
    /// let t = goro::time::tick(std::time::Duration::from_secs(1));
    /// let _rx: &goro::Receiver<std::time::Instant> = &*t;
    /// ```
    pub fn c(&self) -> &Receiver<Instant> {
        &self.rx
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop();
    }
}
