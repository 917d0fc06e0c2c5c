//! The channel object shared by all flavors (Go's `hchan`).
//!
//! One mutex protects the buffer, the closed flag and the two wait queues, as in
//! Go's runtime/chan.go; buffered (`cap > 0`) and unbuffered (`cap == 0`) channels
//! differ only in how many values the buffer may hold, so one algorithm serves
//! both (Go does the same). Invariants, under the lock:
//!
//! * `recvq` holds committable receivers only while `buf` is empty, and `sendq`
//!   holds committable senders only while `buf.len() >= cap`: an operation hands its
//!   value straight to a waiting partner before it ever touches the buffer, and a
//!   receiver that takes from a full buffer refills it from the first waiting
//!   sender, so FIFO order holds across buffer and queue.
//! * A waiter owned by a polling `select` may be passed over (it is told and looks
//!   again), so "committable" above excludes those.
//! * `buf.len()` may exceed `cap` by the values that cancelled receivers handed
//!   back (see `give_back`): a value that was committed to a receive whose future
//!   was dropped before it saw it goes back to the front of the channel instead of
//!   being lost.
//!
//! Wakers are taken under the lock and woken after it is released.

use std::collections::VecDeque;
use std::task::Waker;

use super::lock::{Locked, Mutex, MutexGuard, RawLock, lock};
use super::waiter::{Ctx, Node, WaitQueue};
use crate::loom::sync::atomic::{AtomicUsize, Ordering};

pub(crate) struct Inner<T> {
    pub(crate) buf: VecDeque<T>,
    pub(crate) closed: bool,
    pub(crate) recvq: WaitQueue<T>,
    pub(crate) sendq: WaitQueue<T>,
}

// SAFETY: the raw node pointers in the queues are only dereferenced under the
// channel lock (see waiter.rs); the values are `T: Send`.
unsafe impl<T: Send> Send for Inner<T> {}

/// Outcome of a send attempt.
pub(crate) enum SendStep<T> {
    /// Delivered (to a waiting receiver, whose waker is returned, or the buffer).
    Sent(Option<Waker>),
    /// Not possible now; the value is returned.
    Full(T),
    /// Closed; the value is returned.
    Closed(T),
}

/// Outcome of a receive attempt.
pub(crate) enum RecvStep<T> {
    /// A value, and the waker of a sender that was completed by it, if any.
    Got(T, Option<Waker>),
    /// Nothing now.
    Empty,
    /// Closed and drained.
    Closed,
}

#[inline]
pub(crate) fn wake(w: Option<Waker>) {
    if let Some(w) = w {
        w.wake();
    }
}

impl<T> Inner<T> {
    /// Tries to send `v` without waiting. `me` is the caller's own `Ctx` (its own
    /// waiters are never partners).
    #[inline]
    pub(crate) fn try_send(&mut self, v: T, cap: usize, me: *const Ctx) -> SendStep<T> {
        if self.closed {
            return SendStep::Closed(v);
        }
        if self.buf.is_empty() && !self.recvq.is_empty() {
            // SAFETY: we hold the lock; queue invariant.
            let node = unsafe { self.recvq.claim_first(me) };
            if !node.is_null() {
                // SAFETY: we claimed the node: we own its slot until `publish`,
                // and the node and its ctx stay valid while we hold the lock.
                unsafe {
                    let node = &*node;
                    node.put(v);
                    return SendStep::Sent((*node.ctx()).publish(node.index()));
                }
            }
        }
        if self.buf.len() < cap {
            self.buf.push_back(v);
            return SendStep::Sent(None);
        }
        SendStep::Full(v)
    }

    /// Tries to receive without waiting.
    #[inline]
    pub(crate) fn try_recv(&mut self, cap: usize, me: *const Ctx) -> RecvStep<T> {
        if let Some(v) = self.buf.pop_front() {
            let mut w = None;
            if self.buf.len() < cap && !self.sendq.is_empty() {
                // SAFETY: as in `try_send`.
                let node = unsafe { self.sendq.claim_first(me) };
                if !node.is_null() {
                    // SAFETY: claimed: we own the slot until `publish`.
                    unsafe {
                        let node = &*node;
                        if let Some(x) = node.take() {
                            self.buf.push_back(x);
                        }
                        w = (*node.ctx()).publish(node.index());
                    }
                }
            }
            return RecvStep::Got(v, w);
        }
        if !self.sendq.is_empty() {
            // SAFETY: as above.
            let node = unsafe { self.sendq.claim_first(me) };
            if !node.is_null() {
                // SAFETY: claimed: we own the slot until `publish`.
                unsafe {
                    let node = &*node;
                    let v = node.take();
                    let w = (*node.ctx()).publish(node.index());
                    if let Some(v) = v {
                        return RecvStep::Got(v, w);
                    }
                    // A queued sender always carries its value.
                    unreachable!("goro: queued sender without a value");
                }
            }
        }
        if self.closed {
            RecvStep::Closed
        } else {
            RecvStep::Empty
        }
    }

    /// Puts back a value that was committed to a receiver that went away without
    /// seeing it: to another waiting receiver, else at the front of the buffer.
    pub(crate) fn give_back(&mut self, v: T, me: *const Ctx) -> Option<Waker> {
        if self.buf.is_empty() && !self.recvq.is_empty() {
            // SAFETY: as in `try_send`.
            let node = unsafe { self.recvq.claim_first(me) };
            if !node.is_null() {
                // SAFETY: claimed.
                unsafe {
                    let node = &*node;
                    node.put(v);
                    return (*node.ctx()).publish(node.index());
                }
            }
        }
        self.buf.push_front(v);
        None
    }

    /// Closes: every committable waiter is completed (receivers with nothing,
    /// senders keep their value and fail); their wakers are returned.
    pub(crate) fn close(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::new();
        if self.closed {
            return wakers;
        }
        self.closed = true;
        for q in [&mut self.recvq, &mut self.sendq] {
            loop {
                // SAFETY: under the lock. `me` = null: every owner is a partner.
                let node = unsafe { q.claim_first(std::ptr::null()) };
                if node.is_null() {
                    break;
                }
                // SAFETY: claimed; a sender's value stays in its slot for it.
                unsafe {
                    let node = &*node;
                    if let Some(w) = (*node.ctx()).publish(node.index()) {
                        wakers.push(w);
                    }
                }
            }
        }
        wakers
    }
}

/// The shared channel. `repr(C)`: what every operation reads (`cap`, `bubble`)
/// comes first, on the line of the lock word, not on a line of its own.
#[repr(C)]
pub(crate) struct Chan<T> {
    pub(crate) cap: usize,
    /// The synctest bubble the channel was made in (`NO_BUBBLE` if none): only
    /// that bubble's goroutines may use it, and waiting on it is durable there.
    pub(crate) bubble: u64,
    inner: Mutex<Inner<T>>,
    pub(crate) senders: AtomicUsize,
    pub(crate) receivers: AtomicUsize,
    /// A timer channel's (`time::after`) armed timer key + 1, 0 if none: disarmed
    /// when the last receiver goes, so a dropped `after` holds no timer.
    pub(crate) timer: std::sync::atomic::AtomicU64,
}

/// Panics unless the caller belongs to synctest bubble `id`: a goroutine of it, or
/// a worker of its runtime (firing its timers). Go panics the same way.
#[cold]
#[track_caller]
fn used_outside(id: u64) {
    let here = crate::runtime::wait::polling_bubble();
    if here != id && crate::runtime::shared::current_bubble().map(|b| b.id) != Some(id) {
        panic!("goro: a channel created in synctest bubble {id} used outside that bubble");
    }
}

impl<T> Chan<T> {
    /// Whether an operation is queued on either side (for tests).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn has_waiters(&self) -> bool {
        let g = self.lock();
        !g.recvq.is_empty() || !g.sendq.is_empty()
    }

    pub(crate) fn new(cap: usize) -> Self {
        Self::with_buffer(cap, VecDeque::with_capacity(cap))
    }

    /// A capacity-1 timer channel (`time::after`, `Timer`, `Ticker`): its buffer is
    /// allocated by the first fire, so a timeout that never fires (the common case
    /// in a `select!`) costs one allocation, the channel itself.
    pub(crate) fn for_timer() -> Self {
        Self::with_buffer(1, VecDeque::new())
    }

    fn with_buffer(cap: usize, buf: VecDeque<T>) -> Self {
        Chan {
            inner: Mutex::new(Inner {
                buf,
                closed: false,
                recvq: WaitQueue::new(),
                sendq: WaitQueue::new(),
            }),
            cap,
            senders: AtomicUsize::new(1),
            receivers: AtomicUsize::new(1),
            timer: std::sync::atomic::AtomicU64::new(0),
            bubble: crate::runtime::wait::polling_bubble(),
        }
    }

    /// Panics if the channel belongs to a synctest bubble and the caller does not
    /// (Go: "send on synctest channel from outside bubble"). One load outside bubbles.
    #[inline]
    #[track_caller]
    pub(crate) fn check_bubble(&self) {
        if self.bubble != crate::runtime::wait::NO_BUBBLE {
            used_outside(self.bubble);
        }
    }

    /// What waiting on this channel is, for the wait seam.
    #[inline]
    pub(crate) fn wait(&self, kind: crate::runtime::wait::WaitKind) -> crate::runtime::wait::Wait {
        crate::runtime::wait::Wait::new(kind, self.bubble)
    }

    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        lock(&self.inner)
    }

    /// The lock word alone, for a select that locks all its channels at once.
    #[inline]
    pub(crate) fn raw_lock(&self) -> &RawLock {
        self.inner.raw()
    }

    /// The state, for a select that holds this channel's lock (taken through
    /// [`Chan::raw_lock`]); dropping the reference does not unlock.
    ///
    /// # Safety
    /// The caller holds the lock for as long as the reference lives, and holds
    /// no other reference to the state.
    #[inline]
    pub(crate) unsafe fn locked(&self) -> Locked<'_, Inner<T>> {
        // SAFETY: per the contract.
        unsafe { self.inner.locked() }
    }

    /// Closes the channel; `true` if this call closed it.
    pub(crate) fn close(&self) -> bool {
        let mut g = self.lock();
        if g.closed {
            return false;
        }
        let wakers = g.close();
        drop(g);
        for w in wakers {
            w.wake();
        }
        true
    }

    /// The last receiver is gone: close, and drop the buffered values (nobody can
    /// receive them), outside the lock.
    pub(crate) fn disconnect_receivers(&self) {
        let key = self.timer.swap(0, std::sync::atomic::Ordering::AcqRel);
        if key != 0 {
            crate::runtime::time::driver::remove(key - 1);
        }
        let mut g = self.lock();
        let wakers = g.close();
        let buf = std::mem::take(&mut g.buf);
        drop(g);
        drop(buf);
        for w in wakers {
            w.wake();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().buf.len()
    }

    /// Sends without a `Sender` handle (a timer channel's timer); `false` if the
    /// buffer was full or the channel closed (the value is dropped: a missed tick).
    pub(crate) fn offer(&self, v: T) -> bool {
        let mut g = self.lock();
        match g.try_send(v, self.cap, std::ptr::null()) {
            SendStep::Sent(w) => {
                drop(g);
                wake(w);
                true
            }
            SendStep::Full(_) | SendStep::Closed(_) => false,
        }
    }

    /// Takes a buffered value without a `Receiver` (a timer's `stop`/`reset`
    /// discarding a stale tick).
    pub(crate) fn drain(&self) {
        let stale = std::mem::take(&mut self.lock().buf);
        drop(stale);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Removes `node` from the queue it is in, if any; if a partner committed it
    /// and left a value (a receive), that value is given back to the channel.
    /// Used when an operation is abandoned.
    ///
    /// # Safety
    /// `node` belongs to this channel's queue `recv`/`send` side as told.
    pub(crate) unsafe fn abandon(&self, node: &Node<T>, is_recv: bool) {
        let mut g = self.lock();
        if node.is_linked() {
            // SAFETY: linked nodes of this channel are in the queue of their side.
            unsafe {
                if is_recv {
                    g.recvq.remove(node)
                } else {
                    g.sendq.remove(node)
                }
            };
            return;
        }
        if is_recv {
            // SAFETY: not linked and we hold the lock: any partner that committed
            // the node has finished with it (it held this lock throughout).
            if let Some(v) = unsafe { node.take() } {
                // `me` = null: the owner of `node` is no longer committable (it
                // is `DONE`, or it was committed: `selected(i)`), so none of its
                // other nodes can take the value back.
                let w = g.give_back(v, std::ptr::null());
                drop(g);
                wake(w);
            }
        }
    }

    #[inline]
    pub(crate) fn sync(&self) {
        drop(self.lock());
    }
}

/// Ordering used for the sender/receiver counts.
pub(crate) const COUNT_ORD: Ordering = Ordering::AcqRel;
