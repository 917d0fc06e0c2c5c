//! goro's I/O reactor on Linux: Go's netpoller (`runtime/netpoll_epoll.go`).
//!
//! # Algorithm
//!
//! Every socket is registered once, edge-triggered, for reading and for writing
//! (`EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`), and never re-armed: an operation
//! costs no `epoll_ctl`. Its [`ScheduledIo`] caches readiness in one word: a READ
//! bit, a WRITE bit and a *tick* that counts the events delivered to the socket. An
//! operation looks at the cached bit; if it is set it makes the system call, and on
//! `WouldBlock` it clears the bit, but only if the tick is still the one it saw
//! before the call, then waits. A read shorter than its buffer from a stream socket
//! drained the socket, so it clears the bit the same way and the next read waits
//! without a failing system call first (a short write likewise means a full
//! buffer). The reactor turns epoll events into set bits (with a new tick) and wakes
//! the wakers registered for them.
//!
//! One thread at a time waits in `epoll_wait`, holding the *poll lock*: an idle goro
//! worker, with its next timer deadline as the timeout (a timerfd gives sub-millisecond
//! precision), woken early by an eventfd when work arrives (Go's `findrunnable`
//! calling `netpoll(delay)`, woken by `netpollBreak`). The goroutines it wakes go to
//! its own run queue. Running workers poll without blocking every 61 scheduler ticks,
//! as Go's scheduler does. When no goro worker is alive in the process, a fallback
//! thread (`goro-netpoll`, started with the first socket) waits instead, so goro's
//! sockets work from any executor or plain thread.
//!
//! # Invariants
//!
//! - No lost readiness: a bit is cleared only by an operation that saw `WouldBlock`
//!   (or drained a stream) at the same tick; the kernel reports an edge for anything
//!   that arrives after that call, and delivering it sets the bit again.
//! - No lost wake-up: the reactor sets the bit and *then* takes the socket's waiter
//!   lock to take the wakers; a waiter stores its waker under that lock and *then*
//!   looks at the bit again. One of the two sees the other.
//! - Someone always polls: while a goro worker is alive, an idle worker that finds the
//!   poll lock taken parks on *standby*; whoever gives the lock up without going on to
//!   poll again (the fallback thread when workers appear, a worker that exits) wakes
//!   one standby worker. A worker that leaves `epoll_wait` to run goroutines polls
//!   again every 61 ticks and when it next parks.
//! - Tokens carry a generation: an event still in flight for a closed socket whose
//!   slot was reused is dropped. (A stray readiness bit would only cost one failing
//!   system call: every operation tolerates `WouldBlock`.)

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::task::Waker;
use std::time::{Duration, Instant};

use rustix::event::epoll;
use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec};

use super::scheduled_io::{BITS, ScheduledIo};
pub(crate) use super::scheduled_io::{READ, READ_CLOSED, WRITE, WRITE_CLOSED};
use crate::runtime::park::Parker;

const NOTIFY_TOKEN: u64 = u64::MAX;
const TIMER_TOKEN: u64 = u64::MAX - 1;
/// Events taken per `epoll_wait`.
const EVENTS: usize = 256;

/// Locks `m`, ignoring poisoning (no code here panics while holding a lock, but a
/// user waker could).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The process-wide reactor.
pub(crate) struct Reactor {
    epoll: OwnedFd,
    /// Written to wake the thread in `epoll_wait`; registered edge-triggered and never
    /// read (each write is an edge; the counter cannot overflow in practice).
    notify_fd: OwnedFd,
    /// Sub-millisecond park timeouts (`epoll_wait` counts in milliseconds).
    timer_fd: OwnedFd,
    poll: Mutex<PollState>,
    sources: Mutex<Sources>,
    /// Sockets registered now: nothing to poll while 0.
    registered: AtomicUsize,
    /// goro workers running in the process; the fallback thread polls only at 0.
    workers: Mutex<usize>,
    workers_changed: Condvar,
    /// Parkers of idle workers that found the poll lock taken.
    standby: Mutex<Vec<Arc<Parker>>>,
    fallback: OnceLock<()>,
}

/// What the thread holding the poll lock works with.
pub(crate) struct PollState {
    /// The last wait's events: token and readiness bits.
    events: Vec<(u64, usize)>,
    wakers: Vec<Waker>,
    /// The deadline the timerfd is armed for, if any.
    timer_until: Option<Instant>,
}

#[derive(Default)]
struct Sources {
    entries: Vec<Entry>,
    free: Vec<u32>,
}

#[derive(Default)]
struct Entry {
    generation: u32,
    io: Option<Arc<ScheduledIo>>,
}

static REACTOR: OnceLock<Reactor> = OnceLock::new();
static INIT: Mutex<()> = Mutex::new(());

impl Reactor {
    /// The reactor, created on first use.
    pub(crate) fn get() -> io::Result<&'static Reactor> {
        if let Some(r) = REACTOR.get() {
            return Ok(r);
        }
        let _g = lock(&INIT);
        if let Some(r) = REACTOR.get() {
            return Ok(r);
        }
        let r = Reactor::new()?;
        let _ = REACTOR.set(r);
        crate::runtime::park::set_io_wake(|| {
            if let Some(r) = Reactor::existing() {
                r.notify();
            }
        });
        Ok(REACTOR.get().expect("just set"))
    }

    /// The reactor if it exists.
    pub(crate) fn existing() -> Option<&'static Reactor> {
        REACTOR.get()
    }

    fn new() -> io::Result<Reactor> {
        use rustix::event::{EventfdFlags, eventfd};
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        let notify_fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        let timer_fd = rustix::time::timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::CLOEXEC | TimerfdFlags::NONBLOCK,
        )?;
        let flags = epoll::EventFlags::IN | epoll::EventFlags::ET;
        epoll::add(
            &epoll,
            &notify_fd,
            epoll::EventData::new_u64(NOTIFY_TOKEN),
            flags,
        )?;
        epoll::add(
            &epoll,
            &timer_fd,
            epoll::EventData::new_u64(TIMER_TOKEN),
            flags,
        )?;
        Ok(Reactor {
            epoll,
            notify_fd,
            timer_fd,
            poll: Mutex::new(PollState {
                events: Vec::with_capacity(EVENTS),
                wakers: Vec::new(),
                timer_until: None,
            }),
            sources: Mutex::new(Sources::default()),
            registered: AtomicUsize::new(0),
            workers: Mutex::new(0),
            workers_changed: Condvar::new(),
            standby: Mutex::new(Vec::new()),
            fallback: OnceLock::new(),
        })
    }

    /// Registers `fd` (already non-blocking) with `initial` readiness bits.
    pub(crate) fn register(
        &'static self,
        fd: BorrowedFd<'_>,
        initial: usize,
    ) -> io::Result<Registration> {
        self.start_fallback();
        let io = Arc::new(ScheduledIo::new(initial & BITS));
        let token = {
            let mut s = lock(&self.sources);
            let index = match s.free.pop() {
                Some(i) => i,
                None => {
                    s.entries.push(Entry::default());
                    (s.entries.len() - 1) as u32
                }
            };
            let e = &mut s.entries[index as usize];
            e.io = Some(io.clone());
            (u64::from(e.generation) << 32) | u64::from(index)
        };
        let flags = epoll::EventFlags::IN
            | epoll::EventFlags::OUT
            | epoll::EventFlags::RDHUP
            | epoll::EventFlags::ET;
        if let Err(e) = epoll::add(&self.epoll, fd, epoll::EventData::new_u64(token), flags) {
            self.release(token);
            return Err(e.into());
        }
        self.registered.fetch_add(1, SeqCst);
        Ok(Registration {
            reactor: self,
            io,
            token,
        })
    }

    fn release(&self, token: u64) {
        let mut s = lock(&self.sources);
        let index = token as u32;
        let e = &mut s.entries[index as usize];
        e.io = None;
        e.generation = e.generation.wrapping_add(1);
        s.free.push(index);
    }

    /// Wakes the thread waiting in `epoll_wait`, if any (or makes the next wait
    /// return at once).
    pub(crate) fn notify(&self) {
        let _ = rustix::io::write(&self.notify_fd, &1u64.to_ne_bytes());
    }

    /// Takes the poll lock if nobody holds it.
    pub(crate) fn try_poll(&self) -> Option<MutexGuard<'_, PollState>> {
        match self.poll.try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// Processes ready events without blocking, if no other thread is polling and
    /// any socket is registered (a running worker, every 61 ticks).
    pub(crate) fn poll_now(&self) {
        if self.registered.load(Relaxed) == 0 {
            return;
        }
        if let Some(mut st) = self.try_poll() {
            self.wait(&mut st, Some(Instant::now()));
            self.dispatch(&mut st);
        }
    }

    /// Waits for events (holding the poll lock) until `deadline`, an event or
    /// [`notify`](Self::notify). Call [`dispatch`](Self::dispatch) next.
    pub(crate) fn wait(&self, st: &mut PollState, deadline: Option<Instant>) {
        let timeout = match deadline {
            None => None,
            Some(d) => {
                let now = Instant::now();
                if d <= now {
                    Some(Timespec {
                        tv_sec: 0,
                        tv_nsec: 0,
                    })
                } else {
                    if st.timer_until.is_none_or(|t| t != d && (t > d || t <= now)) {
                        self.arm_timer(d - now);
                        st.timer_until = Some(d);
                    }
                    None // the timerfd ends the wait
                }
            }
        };
        st.events.clear();
        let mut buf = [const { std::mem::MaybeUninit::<epoll::Event>::uninit() }; EVENTS];
        match epoll::wait(&self.epoll, &mut buf[..], timeout.as_ref()) {
            Ok((events, _)) => st
                .events
                .extend(events.iter().map(|e| (e.data.u64(), readiness(e.flags)))),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => panic!("goro: epoll_wait failed: {e}"),
        }
    }

    fn arm_timer(&self, after: Duration) {
        let after = after.max(Duration::from_nanos(1));
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: after.as_secs().min(i64::MAX as u64) as i64,
                tv_nsec: after.subsec_nanos() as _,
            },
        };
        let _ = rustix::time::timerfd_settime(&self.timer_fd, TimerfdTimerFlags::empty(), &spec);
    }

    /// Delivers the events of the last [`wait`](Self::wait) and wakes their wakers.
    pub(crate) fn dispatch(&self, st: &mut PollState) {
        let PollState {
            events,
            wakers,
            timer_until,
        } = st;
        if events.is_empty() {
            return;
        }
        {
            let s = lock(&self.sources);
            for &(token, bits) in events.iter() {
                if token == NOTIFY_TOKEN {
                    continue;
                }
                if token == TIMER_TOKEN {
                    *timer_until = None;
                    continue;
                }
                let e = s.entries.get(token as u32 as usize);
                if let Some(Entry {
                    generation,
                    io: Some(io),
                }) = e
                {
                    if u64::from(*generation) == token >> 32 {
                        io.deliver(bits, wakers);
                    }
                }
            }
        }
        events.clear();
        for w in wakers.drain(..) {
            w.wake();
        }
    }

    /// Puts `p` on standby (see the module docs).
    pub(crate) fn standby(&self, p: &Arc<Parker>) {
        lock(&self.standby).push(p.clone());
    }

    /// Takes `p` off standby, if it is still there.
    pub(crate) fn off_standby(&self, p: &Arc<Parker>) {
        let mut s = lock(&self.standby);
        if let Some(i) = s.iter().position(|x| Arc::ptr_eq(x, p)) {
            s.swap_remove(i);
        }
    }

    /// Wakes one standby worker, which will take the poll lock.
    fn wake_standby(&self) {
        let p = lock(&self.standby).pop();
        if let Some(p) = p {
            p.unpark();
        }
    }

    /// A goro worker starts: it polls from now on, so the fallback thread steps back.
    pub(crate) fn worker_started(&self) {
        let mut n = lock(&self.workers);
        *n += 1;
        if *n == 1 {
            self.notify();
        }
    }

    /// A goro worker exits: hand polling to a standby worker or the fallback thread.
    pub(crate) fn worker_stopped(&self) {
        let mut n = lock(&self.workers);
        *n -= 1;
        if *n == 0 {
            self.workers_changed.notify_all();
        }
        drop(n);
        self.wake_standby();
    }

    /// Starts the fallback thread (once, with the first socket).
    fn start_fallback(&'static self) {
        self.fallback.get_or_init(|| {
            let spawned = std::thread::Builder::new()
                .name("goro-netpoll".into())
                .spawn(move || self.fallback_loop());
            if spawned.is_err() {
                // Without it sockets still work on goro's workers; outside a runtime
                // they would not. Say so rather than hang silently.
                eprintln!("goro: could not start the goro-netpoll thread");
            }
        });
    }

    /// Polls while no goro worker is alive in the process.
    fn fallback_loop(&self) {
        let _goro_thread = crate::runtime::threads::register(crate::runtime::threads::PROCESS);
        loop {
            {
                let mut n = lock(&self.workers);
                while *n > 0 {
                    n = self
                        .workers_changed
                        .wait(n)
                        .unwrap_or_else(|e| e.into_inner());
                }
            }
            let mut st = lock(&self.poll);
            if *lock(&self.workers) == 0 {
                self.wait(&mut st, None);
                self.dispatch(&mut st);
            }
            drop(st);
            if *lock(&self.workers) > 0 {
                // Workers appeared while we held the lock: one of them may have gone
                // to standby and must take over.
                self.wake_standby();
            }
        }
    }
}

/// The readiness bits an epoll event sets.
fn readiness(flags: epoll::EventFlags) -> usize {
    use epoll::EventFlags as F;
    let mut r = 0;
    if flags.intersects(F::IN | F::PRI) {
        r |= READ;
    }
    if flags.intersects(F::OUT) {
        r |= WRITE;
    }
    if flags.intersects(F::HUP | F::ERR | F::RDHUP) {
        r |= READ | READ_CLOSED;
    }
    if flags.intersects(F::HUP | F::ERR) {
        r |= WRITE | WRITE_CLOSED;
    }
    r
}

/// A registered socket; deregisters when dropped (call
/// [`deregister`](Registration::deregister) first with the still-open descriptor).
pub(crate) struct Registration {
    reactor: &'static Reactor,
    io: Arc<ScheduledIo>,
    token: u64,
}

impl Registration {
    /// Removes `fd` from epoll (before it is closed: a duplicated descriptor would
    /// otherwise keep it registered) and frees the slot.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>) {
        let _ = epoll::delete(&self.reactor.epoll, fd);
        self.reactor.release(self.token);
        self.reactor.registered.fetch_sub(1, SeqCst);
    }

    pub(crate) fn io(&self) -> &ScheduledIo {
        &self.io
    }
}

/// Parks a worker (Go's `findrunnable` → `netpoll(delay)`): in `epoll_wait` if no
/// other thread is there, else on its parker, on standby. Returns whether it waited
/// in epoll (and so may have queued goroutines for itself).
pub(crate) fn park(parker: &Arc<Parker>, deadline: Option<Instant>) -> bool {
    let Ok(r) = Reactor::get() else {
        parker.park(deadline);
        return false;
    };
    if let Some(mut st) = r.try_poll() {
        park_io(r, parker, &mut st, deadline);
        return true;
    }
    r.standby(parker);
    // The holder may have left between our try and our standby entry.
    if let Some(mut st) = r.try_poll() {
        r.off_standby(parker);
        park_io(r, parker, &mut st, deadline);
        return true;
    }
    parker.park(deadline);
    r.off_standby(parker);
    false
}

/// Waits in `epoll_wait` holding the poll lock (`st`) until the parker is unparked,
/// `deadline` or I/O, then wakes the goroutines whose sockets are ready.
fn park_io(r: &Reactor, parker: &Parker, st: &mut PollState, deadline: Option<Instant>) {
    if parker.park_io(|| r.wait(st, deadline)) {
        r.dispatch(st);
    }
}

/// Counts a goro worker thread for as long as it lives (see the fallback thread).
pub(crate) struct WorkerGuard(Option<&'static Reactor>);

impl WorkerGuard {
    pub(crate) fn new() -> WorkerGuard {
        let r = Reactor::get().ok();
        if let Some(r) = r {
            r.worker_started();
        }
        WorkerGuard(r)
    }
}

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        if let Some(r) = self.0 {
            r.worker_stopped();
        }
    }
}
