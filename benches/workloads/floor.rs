//! Physical-limit lines ("floors") printed beside W2 and W3 (W10's kernel floor is in
//! `net.rs`): the same traffic with no runtime at all, so a reader sees how far each
//! runtime is from what the machine itself costs. A floor is not a runtime: it
//! cheats where a runtime cannot (it knows there are exactly two parties, it never
//! parks a thread it does not have to), so no runtime should be expected to reach it.
//!
//! - `floor-poll` (W2): two hand-written futures on one thread hand a value back and
//!   forth through one-value slots, on a two-task executor: a round trip is two wakes
//!   (a push on a local run queue) and two polls. The floor of a runtime that keeps
//!   both goroutines on one worker.
//! - `floor-spin` (W2): two OS threads bounce a value through two atomics, spinning:
//!   a round trip is two cache-line transfers between cores. The floor of a runtime
//!   whose two goroutines run on two busy workers.
//! - `floor-futex` (W2): the same two threads, each sleeping in the kernel
//!   (`thread::park`, a futex) until the other wakes it: what a hand-off costs when
//!   both sides go to sleep every time, as an OS-thread ping-pong does.
//! - `floor-ring` (W3): one producer thread and one consumer thread on a 1024-slot
//!   single-producer single-consumer ring whose slots are a cache line each: one
//!   cache-line transfer per message, no locks, no wake-ups.
//!
//! The thread floors stop after at most 2 s (or their count of messages): they
//! measure a cost per operation, not a workload, and a busy machine can make a
//! spinning pair very slow. Spinning loops yield the thread after a while, so that a machine with fewer idle
//! cores than spinners still makes progress; on a busy machine the spinning floors
//! then measure the scheduler instead (their min-max shows it).
use super::common::scaled;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

const EMPTY: u64 = u64::MAX;

fn ns_per(start: Instant, n: usize) -> f64 {
    start.elapsed().as_nanos() as f64 / n as f64
}

/// Spins on `ready` with a pause hint; after 256 tries (several microseconds, far
/// more than a cache-line transfer) it yields the thread at each try, so that a
/// partner thread that lost its core gets it back.
fn spin_until(mut ready: impl FnMut() -> bool) {
    let mut spins = 0u32;
    while !ready() {
        if spins < 256 {
            spins += 1;
            std::hint::spin_loop();
        } else {
            std::thread::yield_now();
        }
    }
}

/// Waits for `ready`: parking the thread between looks (`sleep`), or spinning.
fn wait_until(sleep: bool, mut ready: impl FnMut() -> bool) {
    if sleep {
        while !ready() {
            std::thread::park();
        }
    } else {
        spin_until(ready);
    }
}

// ------------------------------------------------------------ floor-poll (W2)

thread_local! {
    /// The two-task executor's run queue (task ids).
    static QUEUE: RefCell<VecDeque<usize>> = const { RefCell::new(VecDeque::new()) };
}

struct TaskWaker(usize);
impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        QUEUE.with(|q| q.borrow_mut().push_back(self.0));
    }
}

/// A one-value slot between two tasks on one thread.
#[derive(Default)]
struct Slot {
    value: Cell<Option<u64>>,
    waiter: Cell<Option<Waker>>,
}

impl Slot {
    fn put(&self, v: u64) {
        self.value.set(Some(v));
        if let Some(w) = self.waiter.take() {
            w.wake();
        }
    }
    fn take(&self) -> impl Future<Output = u64> + '_ {
        std::future::poll_fn(move |cx: &mut Context<'_>| match self.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                self.waiter.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        })
    }
}

pub fn w2_poll(scale: f64) -> f64 {
    let r = scaled(1_000_000, scale);
    let ping = Rc::new(Slot::default());
    let pong = Rc::new(Slot::default());
    let result = Rc::new(Cell::new(None));
    let (pi, po, res) = (ping.clone(), pong.clone(), result.clone());
    let main = async move {
        let start = Instant::now();
        let mut v = 0;
        for _ in 0..r {
            pi.put(v);
            v = po.take().await;
        }
        res.set(Some((v, ns_per(start, r))));
    };
    let echo = async move {
        loop {
            let v = ping.take().await;
            pong.put(v + 1);
        }
    };
    let mut tasks: [Pin<Box<dyn Future<Output = ()>>>; 2] = [Box::pin(main), Box::pin(echo)];
    let wakers: Vec<Waker> = (0..2).map(|i| Arc::new(TaskWaker(i)).into()).collect();
    QUEUE.with(|q| q.borrow_mut().extend([0, 1]));
    while result.get().is_none() {
        let id = QUEUE
            .with(|q| q.borrow_mut().pop_front())
            .expect("floor-poll: both tasks blocked");
        let _ = tasks[id]
            .as_mut()
            .poll(&mut Context::from_waker(&wakers[id]));
    }
    let (v, ns) = result.get().unwrap();
    assert_eq!(v, r as u64, "floor-poll: final value {v}, want {r}");
    ns
}

// ---------------------------------------------- floor-spin, floor-futex (W2)

/// Sent to the echo thread to end it.
const STOP: u64 = u64::MAX - 1;

/// A floor's time limit: it stops after at most `r` round trips or this long,
/// whichever comes first (on a busy machine a spinning pair can be 100 times slower
/// than on a quiet one; the figure per round trip stays right either way).
const FLOOR_LIMIT: Duration = Duration::from_secs(2);

/// Two threads bounce a value up to `r` times; `sleep`: each waits in the kernel
/// (`thread::park`), else spins.
fn two_thread_ping_pong(r: usize, sleep: bool) -> f64 {
    let ping = Arc::new(AtomicU64::new(EMPTY));
    let pong = Arc::new(AtomicU64::new(EMPTY));
    let main = std::thread::current();
    let (pi, po) = (ping.clone(), pong.clone());
    let echo = std::thread::spawn(move || {
        loop {
            let mut v = EMPTY;
            let ready = || {
                v = pi.swap(EMPTY, Acquire);
                v != EMPTY
            };
            wait_until(sleep, ready);
            if v == STOP {
                return;
            }
            po.store(v + 1, Release);
            if sleep {
                main.unpark();
            }
        }
    });
    let echo_thread = echo.thread().clone();
    let send = |v: u64| {
        ping.store(v, Release);
        if sleep {
            echo_thread.unpark();
        }
    };
    let start = Instant::now();
    let mut v = 0;
    let mut done = 0;
    while done < r && (done % 1024 != 0 || start.elapsed() < FLOOR_LIMIT) {
        send(v);
        let ready = || {
            v = pong.swap(EMPTY, Acquire);
            v != EMPTY
        };
        wait_until(sleep, ready);
        done += 1;
    }
    let ns = ns_per(start, done);
    send(STOP);
    echo.join().expect("floor: echo thread");
    assert_eq!(v, done as u64, "floor: final value {v}, want {done}");
    ns
}

pub fn w2_spin(scale: f64) -> f64 {
    two_thread_ping_pong(scaled(1_000_000, scale), false)
}

pub fn w2_futex(scale: f64) -> f64 {
    two_thread_ping_pong(scaled(1_000_000, scale), true)
}

// ------------------------------------------------------------ floor-ring (W3)

/// A ring slot on its own cache line: `seq` says whose turn it is (Vyukov's bounded
/// queue, with one producer and one consumer).
#[repr(align(64))]
struct RingSlot {
    seq: AtomicUsize,
    value: AtomicU64,
}

pub fn w3_ring(scale: f64) -> f64 {
    const CAP: usize = 1024;
    let m = scaled(10_000_000, scale);
    let ring: Arc<Vec<RingSlot>> = Arc::new(
        (0..CAP)
            .map(|i| RingSlot {
                seq: AtomicUsize::new(i),
                value: AtomicU64::new(0),
            })
            .collect(),
    );
    let r = ring.clone();
    let start = Instant::now();
    // The consumer stops at the value STOP (the producer's last, after the time
    // limit or m messages).
    let consumer = std::thread::spawn(move || {
        let (mut sum, mut n) = (0u64, 0usize);
        for i in 0.. {
            let slot = &r[i % CAP];
            spin_until(|| slot.seq.load(Acquire) == i + 1);
            let v = slot.value.load(Relaxed);
            slot.seq.store(i + CAP, Release);
            if v == STOP {
                break;
            }
            sum += v;
            n += 1;
        }
        (sum, n)
    });
    let put = |i: usize, v: u64| {
        let slot = &ring[i % CAP];
        spin_until(|| slot.seq.load(Acquire) == i);
        slot.value.store(v, Relaxed);
        slot.seq.store(i + 1, Release);
    };
    let mut sent = 0;
    while sent < m && (sent % 4096 != 0 || start.elapsed() < FLOOR_LIMIT) {
        put(sent, sent as u64);
        sent += 1;
    }
    put(sent, STOP);
    let (sum, n) = consumer.join().expect("floor-ring: consumer");
    let ns = ns_per(start, sent);
    let mm = sent as u64;
    assert!(
        n == sent && sum == mm * (mm - 1) / 2,
        "floor-ring: wrong sum"
    );
    ns
}
