//! The readiness of one registered socket, and its waiters: the part of the reactor
//! (`super::reactor`) that runs concurrently with goroutines, kept free of system
//! calls so that loom can check it.
//!
//! # Protocol
//!
//! One word holds the READ and WRITE bits, two sticky CLOSED bits and, above
//! [`TICK_SHIFT`], a tick that counts the events delivered. The reactor *delivers* an
//! event in one atomic update (bits set, tick + 1), then takes the waiter lock and
//! takes the wakers of the directions it made ready. An operation takes a
//! [`Ready`] snapshot when it finds its direction ready, makes its system call, and on
//! `WouldBlock` *clears* the bit only if the tick is unchanged (an event delivered in
//! between may be the one that makes the call succeed now). A waiter stores its
//! waker under the lock and then looks at the word again. Hence:
//!
//! - a delivered event is never lost: it is either seen by the re-check or its
//!   waker is taken by the reactor after the waker was stored;
//! - a clear never erases an event newer than the failed call.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// The READ readiness bit (and direction).
pub(crate) const READ: usize = 0b01;
/// The WRITE readiness bit (and direction).
pub(crate) const WRITE: usize = 0b10;
/// The peer closed its side, or the socket failed: reads never block again. Sticky
/// (never cleared): a drained read that raced with the FIN must not wait for an edge
/// that already came.
pub(crate) const READ_CLOSED: usize = 0b100;
/// The socket is shut down both ways or failed: writes never block again. Sticky.
pub(crate) const WRITE_CLOSED: usize = 0b1000;

/// The bits that make direction `dir` ready.
fn ready_mask(dir: usize) -> usize {
    if dir == READ {
        READ | READ_CLOSED
    } else {
        WRITE | WRITE_CLOSED
    }
}
pub(crate) const TICK_SHIFT: u32 = 8;
pub(crate) const BITS: usize = (1 << TICK_SHIFT) - 1;

/// Locks `m`, ignoring poisoning (a user waker may panic while we hold it).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Readiness and waiters of one socket.
pub(crate) struct ScheduledIo {
    /// READ and WRITE bits, and the tick above [`TICK_SHIFT`].
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

#[derive(Default)]
struct Waiters {
    /// The poll-style methods' wakers (`poll_read`, `poll_accept`, ...), per
    /// direction: usually one task's; see [`Slot`].
    reader: Slot,
    writer: Slot,
    /// Futures (`read_with`, `accept`, ...): any number, each with its own entry.
    list: Vec<Option<Listed>>,
}

/// The wakers of the tasks polling one direction through the poll-style methods,
/// which have nowhere to keep a key of their own. Usually one; several tasks reading
/// one stream at once (through clones or `&TcpStream`) are all kept, up to
/// [`SLOT_MAX`], and all woken by the next event: none of them misses it, and they
/// do not wake each other in a loop while nothing happens. Past the bound the
/// oldest is woken and dropped (it registers again if it still waits), so tasks
/// that gave up (a timed-out read) cannot pile up.
#[derive(Default)]
struct Slot {
    first: Option<Waker>,
    more: Vec<Waker>,
}

/// Wakers a [`Slot`] keeps.
const SLOT_MAX: usize = 16;

impl Slot {
    /// Keeps `waker` (unless it is kept already); returns an evicted one to wake.
    fn register(&mut self, waker: &Waker) -> Option<Waker> {
        match &self.first {
            None => {
                self.first = Some(waker.clone());
                return None;
            }
            Some(w) if w.will_wake(waker) => return None,
            Some(_) => {}
        }
        if self.more.iter().any(|w| w.will_wake(waker)) {
            return None;
        }
        self.more.push(waker.clone());
        if self.more.len() < SLOT_MAX {
            return None;
        }
        let evicted = self.first.take();
        self.first = Some(self.more.remove(0));
        evicted
    }

    fn take_all(&mut self, into: &mut Vec<Waker>) {
        into.extend(self.first.take());
        into.append(&mut self.more);
    }
}

struct Listed {
    dir: usize,
    waker: Option<Waker>,
}

/// A snapshot of a socket's readiness word, for [`ScheduledIo::clear`].
#[derive(Clone, Copy)]
pub(crate) struct Ready(usize);

impl ScheduledIo {
    pub(crate) fn new(initial: usize) -> ScheduledIo {
        ScheduledIo {
            readiness: AtomicUsize::new(initial),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Sets `bits` with a new tick and moves the wakers they satisfy to `wakers`.
    pub(crate) fn deliver(&self, bits: usize, wakers: &mut Vec<Waker>) {
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |cur| {
            Some(((cur >> TICK_SHIFT).wrapping_add(1) << TICK_SHIFT) | (cur & BITS) | bits)
        });
        let mut w = lock(&self.waiters);
        if bits & READ != 0 {
            w.reader.take_all(wakers);
        }
        if bits & WRITE != 0 {
            w.writer.take_all(wakers);
        }
        for l in w.list.iter_mut().flatten() {
            if l.dir & bits != 0 {
                wakers.extend(l.waker.take());
            }
        }
    }

    /// Whether `dir` is ready; if not, the task's waker is kept for the next event
    /// in the direction's [`Slot`].
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, dir: usize) -> Poll<Ready> {
        let mask = ready_mask(dir);
        let cur = self.readiness.load(Acquire);
        if cur & mask != 0 {
            return Poll::Ready(Ready(cur));
        }
        let mut w = lock(&self.waiters);
        let slot = if dir == READ {
            &mut w.reader
        } else {
            &mut w.writer
        };
        let old = slot.register(cx.waker());
        let cur = self.readiness.load(Acquire);
        drop(w);
        if let Some(old) = old {
            old.wake();
        }
        if cur & mask != 0 {
            Poll::Ready(Ready(cur))
        } else {
            Poll::Pending
        }
    }

    /// Like [`poll_ready`](Self::poll_ready) with an entry of its own in the waiter
    /// list (`key`, freed by [`unlist`](Self::unlist)), for any number of waiters.
    pub(crate) fn poll_ready_listed(
        &self,
        cx: &mut Context<'_>,
        dir: usize,
        key: &mut Option<usize>,
    ) -> Poll<Ready> {
        let mask = ready_mask(dir);
        let cur = self.readiness.load(Acquire);
        if cur & mask != 0 {
            return Poll::Ready(Ready(cur));
        }
        let mut w = lock(&self.waiters);
        match key {
            Some(k) => {
                let l = w.list[*k].as_mut().expect("listed waiter");
                match &l.waker {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => l.waker = Some(cx.waker().clone()),
                }
            }
            None => {
                let entry = Some(Listed {
                    dir,
                    waker: Some(cx.waker().clone()),
                });
                let k = match w.list.iter().position(Option::is_none) {
                    Some(k) => {
                        w.list[k] = entry;
                        k
                    }
                    None => {
                        w.list.push(entry);
                        w.list.len() - 1
                    }
                };
                *key = Some(k);
            }
        }
        let cur = self.readiness.load(Acquire);
        drop(w);
        if cur & mask != 0 {
            Poll::Ready(Ready(cur))
        } else {
            Poll::Pending
        }
    }

    /// Frees a waiter-list entry.
    pub(crate) fn unlist(&self, key: usize) {
        let mut w = lock(&self.waiters);
        w.list[key] = None;
        while let Some(None) = w.list.last() {
            w.list.pop();
        }
    }

    /// The readiness word now, for a later [`clear`](Self::clear).
    pub(crate) fn snapshot(&self) -> Ready {
        Ready(self.readiness.load(Acquire))
    }

    /// Clears `dir` after an operation found it not ready, unless an event arrived
    /// since `seen` was taken.
    pub(crate) fn clear(&self, dir: usize, seen: Ready) {
        let tick = seen.0 >> TICK_SHIFT;
        let _ = self.readiness.fetch_update(AcqRel, Acquire, |cur| {
            (cur >> TICK_SHIFT == tick && cur & dir != 0).then_some(cur & !dir)
        });
    }
}

/// Loom: the protocol against every interleaving (run with
/// `RUSTFLAGS="--cfg loom" cargo test --release --no-default-features --lib scheduled_io`).
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::sync::atomic::AtomicBool;

    struct Flag(Arc<AtomicBool>);
    impl std::task::Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, SeqCst);
        }
    }

    fn flag_waker(flag: &Arc<AtomicBool>) -> Waker {
        Waker::from(std::sync::Arc::new(Flag(flag.clone())))
    }

    /// A waker that unblocks [`Notify::wait`] (a wake before the wait is kept).
    struct Unpark(Arc<loom::sync::Notify>);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.notify();
        }
    }

    fn deliver(io: &ScheduledIo, bits: usize) {
        let mut wakers = Vec::new();
        io.deliver(bits, &mut wakers);
        for w in wakers {
            w.wake();
        }
    }

    /// A reader runs the operation loop (`poll_ready`, try the "system call", clear
    /// on `WouldBlock`, wait for its waker) while the peer's data arrives and the
    /// reactor delivers the edge: the reader always gets the data. With `listed`,
    /// through a waiter-list entry instead of the direction's slot.
    fn reader_gets_data(initial: usize, listed: bool) {
        loom::model(move || {
            let io = Arc::new(ScheduledIo::new(initial));
            let data = Arc::new(loom::sync::Mutex::new(false));
            let parked = Arc::new(loom::sync::Notify::new());
            let (io2, data2) = (io.clone(), data.clone());
            let peer = loom::thread::spawn(move || {
                *data2.lock().unwrap() = true; // the kernel queues the bytes...
                deliver(&io2, READ); // ...and epoll reports the edge
            });
            let waker = Waker::from(std::sync::Arc::new(Unpark(parked.clone())));
            let mut key = None;
            loop {
                let mut cx = Context::from_waker(&waker);
                let ready = if listed {
                    io.poll_ready_listed(&mut cx, READ, &mut key)
                } else {
                    io.poll_ready(&mut cx, READ)
                };
                match ready {
                    Poll::Ready(seen) => {
                        // The "system call": take the queued bytes, if any. (The
                        // socket buffer is a lock in the kernel; an atomic here hits
                        // a loom modelling issue with RMWs.)
                        if std::mem::take(&mut *data.lock().unwrap()) {
                            break; // read it
                        }
                        io.clear(READ, seen); // WouldBlock
                    }
                    // A lost wake-up leaves this blocked forever: loom reports it.
                    Poll::Pending => parked.wait(),
                }
            }
            if let Some(k) = key {
                io.unlist(k);
            }
            peer.join().unwrap();
        });
    }

    #[test]
    fn reader_gets_data_starting_ready() {
        reader_gets_data(READ, false);
    }

    #[test]
    fn reader_gets_data_starting_not_ready() {
        reader_gets_data(0, false);
    }

    #[test]
    fn listed_reader_gets_data() {
        reader_gets_data(READ, true);
    }

    /// A clear racing with a delivery never erases the delivered event.
    #[test]
    fn clear_keeps_a_newer_event() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new(READ));
            let woken = Arc::new(AtomicBool::new(false));
            let waker = flag_waker(&woken);
            let mut cx = Context::from_waker(&waker);
            let Poll::Ready(seen) = io.poll_ready(&mut cx, READ) else {
                panic!("starts ready");
            };
            let io2 = io.clone();
            let t = loom::thread::spawn(move || deliver(&io2, READ));
            io.clear(READ, seen);
            t.join().unwrap();
            assert!(io.poll_ready(&mut cx, READ).is_ready());
        });
    }

    /// READ_CLOSED survives clears: a drained read that raced with the FIN still
    /// sees end-of-stream next time.
    #[test]
    fn closed_is_sticky() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new(0));
            let io2 = io.clone();
            let t = loom::thread::spawn(move || deliver(&io2, READ | READ_CLOSED));
            t.join().unwrap();
            let woken = Arc::new(AtomicBool::new(false));
            let waker = flag_waker(&woken);
            let mut cx = Context::from_waker(&waker);
            let Poll::Ready(seen) = io.poll_ready(&mut cx, READ) else {
                panic!("delivered");
            };
            io.clear(READ, seen);
            assert!(io.poll_ready(&mut cx, READ).is_ready());
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize as StdAtomic;

    struct Count(StdAtomic);
    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn wakers(n: usize) -> Vec<(Arc<Count>, Waker)> {
        (0..n)
            .map(|_| {
                let c = Arc::new(Count(StdAtomic::new(0)));
                (c.clone(), Waker::from(c))
            })
            .collect()
    }

    #[test]
    fn several_pollers_all_woken_by_one_event() {
        let io = ScheduledIo::new(0);
        let ws = wakers(3);
        for (_, w) in &ws {
            let mut cx = Context::from_waker(w);
            assert!(io.poll_ready(&mut cx, READ).is_pending());
            // Polling again with the same waker keeps one entry.
            assert!(io.poll_ready(&mut cx, READ).is_pending());
        }
        assert!(
            ws.iter().all(|(c, _)| c.0.load(SeqCst) == 0),
            "nobody woken yet"
        );
        let mut out = Vec::new();
        io.deliver(READ, &mut out);
        assert_eq!(out.len(), 3);
        out.into_iter().for_each(Waker::wake);
        assert!(ws.iter().all(|(c, _)| c.0.load(SeqCst) == 1));
    }

    #[test]
    fn slot_is_bounded_and_evicts_the_oldest() {
        let io = ScheduledIo::new(0);
        let ws = wakers(SLOT_MAX + 4);
        for (_, w) in &ws {
            assert!(
                io.poll_ready(&mut Context::from_waker(w), WRITE)
                    .is_pending()
            );
        }
        // The first four were evicted (woken, so they would poll again).
        for (i, (c, _)) in ws.iter().enumerate() {
            assert_eq!(c.0.load(SeqCst), usize::from(i < 4), "waker {i}");
        }
        let mut out = Vec::new();
        io.deliver(WRITE, &mut out);
        assert_eq!(out.len(), SLOT_MAX);
    }

    #[test]
    fn a_read_event_leaves_writers_waiting() {
        let io = ScheduledIo::new(0);
        let ws = wakers(1);
        assert!(
            io.poll_ready(&mut Context::from_waker(&ws[0].1), WRITE)
                .is_pending()
        );
        let mut out = Vec::new();
        io.deliver(READ, &mut out);
        assert!(out.is_empty());
        io.deliver(WRITE, &mut out);
        assert_eq!(out.len(), 1);
    }
}
