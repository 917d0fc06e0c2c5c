//! The single-operation futures (`recv()`, `send()`) and their select-case form.
//!
//! An [`OpCore`] is a wait-queue node plus its own commit slot. Alone (a plain
//! `recv().await`), the owner touches its slot only under the channel lock, so a
//! plain operation costs one lock round trip to try-or-enqueue, and the partner's
//! release store of `selected(0)` lets the woken owner finish without locking
//! again. Inside a `select` the node points at the select's shared `Ctx` instead,
//! and the select drives it through [`Branch`](super::case::Branch).
//!
//! Nothing a waiting operation needs is written before it waits: a new operation
//! writes its value slot and one status byte; the node's links and owner are
//! written when it is queued, its own `Ctx` when a plain operation first queues.
//! A `select!` builds its case futures and moves them into place on every select,
//! so a ready select pays for two words per case, not for four wait queues.

use std::future::Future;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::ptr;
use std::task::{Context, Poll, Waker};

use super::SendError;
use super::case::{Branch, TakeOutput};
use super::hchan::{Chan, Inner, RecvStep, SendStep, wake};
use super::lock::RawLock;
use super::waiter::{Ctx, DONE as CTX_DONE, Node, WAITING as CTX_WAITING, WaitQueue, selected};
use crate::loom::sync::atomic::Ordering;

/// Not queued, nothing done.
const IDLE: u8 = 0;
/// Queued on the channel.
const QUEUED: u8 = 1;
/// Select case: committed, output still in the node.
const COMMITTED: u8 = 2;
/// Finished; output handed out.
const FINISHED: u8 = 3;

/// The operation's progress (the low bits of `Node::status`).
const STATE: u8 = 0b11;
/// Flag: the operation's own commit slot (`OpCore::own`) is initialised.
const ARMED: u8 = 0b100;

/// A node, the operation's own commit slot (written when a plain operation first
/// queues: a select case uses the select's) and the operation's progress.
///
/// An operation that completes on its first try (the common case, and every
/// ready `select` case) writes only the node's slot and status, so building one
/// and moving it into a pinned `select` costs a few words. An armed core stays
/// armed.
pub(crate) struct OpCore<T> {
    node: Node<T>,
    own: std::cell::UnsafeCell<MaybeUninit<Ctx>>,
}

// SAFETY: `node.status` is only touched by the owner (through `&mut`/pinned
// access of the future); `node` and `own` are Send/Sync per waiter.rs.
unsafe impl<T: Send> Send for OpCore<T> {}
// SAFETY: shared references to an `OpCore` are only used by its owner's poll or
// drop (a select holds `Pin<&mut>` to its cases); partners use raw node pointers.
unsafe impl<T: Send> Sync for OpCore<T> {}

impl<T> Drop for OpCore<T> {
    fn drop(&mut self) {
        if self.node.status.get() & ARMED != 0 {
            // SAFETY: armed, so initialised; the owning future has cancelled the
            // operation (unlinked the node) before its fields are dropped.
            unsafe { ptr::drop_in_place(self.own.get_mut().as_mut_ptr()) }
        }
    }
}

impl<T> OpCore<T> {
    #[inline]
    pub(crate) fn new(slot: Option<T>) -> Self {
        OpCore {
            node: Node::new(slot),
            own: std::cell::UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    #[inline]
    fn status(&self) -> u8 {
        self.node.status.get() & STATE
    }

    #[inline]
    fn set_status(&self, st: u8) {
        let s = &self.node.status;
        s.set((s.get() & !STATE) | st);
    }

    /// This operation's own commit slot, as an identity (a channel never matches
    /// an operation with itself). Not dereferenced unless armed.
    #[inline]
    fn me(&self) -> *const Ctx {
        self.own.get().cast::<Ctx>()
    }

    /// The operation's own commit slot, written now if this is the first time.
    #[inline]
    fn arm(&self) -> &Ctx {
        let s = &self.node.status;
        if s.get() & ARMED == 0 {
            // SAFETY: not armed: no partner knows this storage (nothing pointing
            // at it was ever linked), and the pinned core does not move.
            unsafe { self.own.get().cast::<Ctx>().write(Ctx::new(CTX_DONE)) };
            s.set(s.get() | ARMED);
        }
        // SAFETY: armed just above or before; pinned.
        unsafe { &*self.own.get().cast::<Ctx>() }
    }

    /// Resets a finished core for reuse (the stream of a `Receiver`).
    pub(crate) fn reset(&self) {
        debug_assert!(self.status() == FINISHED);
        self.set_status(IDLE);
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.status() == FINISHED
    }

    /// A queued plain operation, polled again: `true` once a partner has committed
    /// it (`selected(0)`, published with release after its last access to the
    /// node); otherwise it stores the new waker under the channel lock, notes what
    /// the goroutine waits on, and returns `false` (the caller returns `Pending`).
    #[inline]
    fn committed_or_rearm(
        &self,
        chan: &Chan<T>,
        cx: &mut Context<'_>,
        wait: crate::runtime::wait::WaitKind,
    ) -> bool {
        let ctx = self.arm();
        if ctx.state.load(Ordering::Acquire) != selected(0) {
            let g = chan.lock();
            if ctx.state.load(Ordering::Acquire) != selected(0) {
                // Still queued (a claim completes under this lock): we
                // own the waker slot while we hold the lock.
                // SAFETY: queued and uncommitted, lock held: see above.
                let old = unsafe { ctx.set_waker(crate::runtime::wait::on(cx, chan.wait(wait))) };
                drop(g);
                drop(old);
                return false;
            }
            drop(g);
        }
        true
    }

    /// Polls a plain receive.
    pub(crate) fn poll_recv(&self, chan: &Chan<T>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.status() {
            IDLE => {
                chan.check_bubble();
                // A goroutine whose channel is always ready yields now and then.
                if crate::runtime::coop::poll_proceed(cx).is_pending() {
                    return Poll::Pending;
                }
                let mut g = chan.lock();
                match g.try_recv(chan.cap, self.me()) {
                    RecvStep::Got(v, w) => {
                        drop(g);
                        wake(w);
                        self.set_status(FINISHED);
                        Poll::Ready(Some(v))
                    }
                    RecvStep::Closed => {
                        self.set_status(FINISHED);
                        Poll::Ready(None)
                    }
                    RecvStep::Empty => {
                        let ctx = self.arm();
                        // SAFETY: the node is not queued and we hold the lock: we
                        // own the ctx and the node.
                        let old = unsafe {
                            let old = ctx.set_waker(crate::runtime::wait::on(
                                cx,
                                chan.wait(crate::runtime::wait::WaitKind::ChanRecv),
                            ));
                            ctx.state.store(CTX_WAITING, Ordering::Relaxed);
                            self.node.set_owner(ctx, 0);
                            g.recvq.push_back(&self.node);
                            old
                        };
                        self.set_status(QUEUED);
                        drop(g);
                        drop(old);
                        Poll::Pending
                    }
                }
            }
            QUEUED => {
                if !self.committed_or_rearm(chan, cx, crate::runtime::wait::WaitKind::ChanRecv) {
                    return Poll::Pending;
                }
                self.set_status(FINISHED);
                // SAFETY: `selected(0)` was published with release after the
                // partner's last access; the slot is ours.
                Poll::Ready(unsafe { self.node.take() })
            }
            _ => panic!("goro: `recv` future polled after completion"),
        }
    }

    /// Polls a plain send; the value is in the node's slot.
    pub(crate) fn poll_send(
        &self,
        chan: &Chan<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        match self.status() {
            IDLE => {
                chan.check_bubble();
                if crate::runtime::coop::poll_proceed(cx).is_pending() {
                    return Poll::Pending;
                }
                // SAFETY: not queued: the slot is ours.
                let Some(v) = (unsafe { self.node.take() }) else {
                    panic!("goro: `send` future polled after completion")
                };
                let mut g = chan.lock();
                match g.try_send(v, chan.cap, self.me()) {
                    SendStep::Sent(w) => {
                        drop(g);
                        wake(w);
                        self.set_status(FINISHED);
                        Poll::Ready(Ok(()))
                    }
                    SendStep::Closed(v) => {
                        self.set_status(FINISHED);
                        Poll::Ready(Err(SendError(v)))
                    }
                    SendStep::Full(v) => {
                        let ctx = self.arm();
                        // SAFETY: not queued, lock held: we own node and ctx.
                        let old = unsafe {
                            self.node.put(v);
                            let old = ctx.set_waker(crate::runtime::wait::on(
                                cx,
                                chan.wait(crate::runtime::wait::WaitKind::ChanSend),
                            ));
                            ctx.state.store(CTX_WAITING, Ordering::Relaxed);
                            self.node.set_owner(ctx, 0);
                            g.sendq.push_back(&self.node);
                            old
                        };
                        self.set_status(QUEUED);
                        drop(g);
                        drop(old);
                        Poll::Pending
                    }
                }
            }
            QUEUED => {
                if !self.committed_or_rearm(chan, cx, crate::runtime::wait::WaitKind::ChanSend) {
                    return Poll::Pending;
                }
                self.set_status(FINISHED);
                // SAFETY: committed and published: the slot is ours. A value
                // left in it means the channel was closed.
                match unsafe { self.node.take() } {
                    None => Poll::Ready(Ok(())),
                    Some(v) => Poll::Ready(Err(SendError(v))),
                }
            }
            _ => panic!("goro: `send` future polled after completion"),
        }
    }

    /// Abandons the operation (future dropped): unqueues it, and gives back a
    /// received value that was committed but never handed out.
    #[inline]
    pub(crate) fn cancel(&self, chan: &Chan<T>, is_recv: bool) {
        let st = self.status();
        if st == QUEUED || (st == COMMITTED && is_recv) {
            // SAFETY: the node belongs to `chan`'s queue of this side; `abandon`
            // takes the lock before it looks at the node.
            unsafe { chan.abandon(&self.node, is_recv) };
            self.set_status(FINISHED);
        }
    }

    // ----- select-case driving (the select owns its ctx: state POLLING) -----

    fn branch_try(
        &self,
        chan: &Chan<T>,
        is_recv: bool,
        ctx: &Ctx,
        index: usize,
        register: bool,
    ) -> bool {
        let st = self.status();
        if st == COMMITTED || st == FINISHED {
            return true;
        }
        chan.check_bubble();
        let mut g = chan.lock();
        let (done, w) = self.branch_step(&mut g, chan.cap, is_recv, ctx, index, register);
        drop(g);
        wake(w);
        if !done && register {
            crate::runtime::wait::declare(chan.wait(crate::runtime::wait::WaitKind::Select));
        }
        done
    }

    /// `branch_try` for a select that holds this channel's lock (with all its
    /// other channels'): never queues; a partner's waker to wake once the select
    /// has unlocked goes to `wake` (one commit per pass, so one waker).
    fn branch_try_locked(
        &self,
        chan: &Chan<T>,
        is_recv: bool,
        ctx: &Ctx,
        index: usize,
        wake: &mut Option<Waker>,
    ) -> bool {
        let st = self.status();
        if st == COMMITTED || st == FINISHED {
            return true;
        }
        let (done, w) = {
            // SAFETY: the select holds `chan`'s lock (`Branch::try_locked`'s
            // contract) and no other reference to its state.
            let mut g = unsafe { chan.locked() };
            self.branch_step(&mut g, chan.cap, is_recv, ctx, index, false)
        };
        if w.is_some() {
            *wake = w;
        }
        done
    }

    /// Queues the case (if it is not queued yet) on a channel whose lock the
    /// select holds, after `branch_try_locked` found it not ready.
    fn branch_register_locked(&self, chan: &Chan<T>, is_recv: bool, ctx: &Ctx, index: usize) {
        if self.node.is_linked() {
            return;
        }
        // (A case whose select owns its slot is queued exactly when linked.)
        debug_assert_eq!(self.status(), IDLE);
        // SAFETY: as in `branch_try_locked`.
        let mut g = unsafe { chan.locked() };
        let node = &self.node;
        node.set_owner(ctx, index);
        crate::runtime::wait::declare(chan.wait(crate::runtime::wait::WaitKind::Select));
        // SAFETY: pinned node, unlinked before it is dropped; a send case's
        // value is in its slot (put back by the failed try).
        unsafe {
            if is_recv {
                g.recvq.push_back(node)
            } else {
                g.sendq.push_back(node)
            }
        };
        self.set_status(QUEUED);
    }

    /// One try of a select case under its channel's lock: `(done, waker of a
    /// partner to wake after unlocking)`. The select owns `ctx` (`POLLING`).
    fn branch_step(
        &self,
        g: &mut Inner<T>,
        cap: usize,
        is_recv: bool,
        ctx: &Ctx,
        index: usize,
        register: bool,
    ) -> (bool, Option<Waker>) {
        let me: *const Ctx = ctx;
        let (done, w) = if is_recv {
            match g.try_recv(cap, me) {
                RecvStep::Got(v, w) => {
                    self.unlink(&mut g.recvq);
                    // SAFETY: unlinked (or never linked) and the select owns the
                    // ctx: no partner can touch the slot.
                    unsafe { self.node.put(v) };
                    (true, w)
                }
                RecvStep::Closed => {
                    self.unlink(&mut g.recvq);
                    (true, None)
                }
                RecvStep::Empty => {
                    if register && !self.node.is_linked() {
                        let node = &self.node;
                        node.set_owner(me, index);
                        // SAFETY: pinned node, unlinked before it is dropped.
                        unsafe { g.recvq.push_back(node) };
                        self.set_status(QUEUED);
                    }
                    (false, None)
                }
            }
        } else {
            // SAFETY: the select owns the ctx (POLLING): no partner can claim the
            // node, so its slot is ours even if it is linked.
            let Some(v) = (unsafe { self.node.take() }) else {
                return (true, None);
            };
            match g.try_send(v, cap, me) {
                SendStep::Sent(w) => {
                    self.unlink(&mut g.sendq);
                    (true, w)
                }
                SendStep::Closed(v) => {
                    self.unlink(&mut g.sendq);
                    // SAFETY: as above.
                    unsafe { self.node.put(v) };
                    (true, None)
                }
                SendStep::Full(v) => {
                    // SAFETY: as above.
                    unsafe { self.node.put(v) };
                    if register && !self.node.is_linked() {
                        let node = &self.node;
                        node.set_owner(me, index);
                        // SAFETY: pinned node, unlinked before it is dropped.
                        unsafe { g.sendq.push_back(node) };
                        self.set_status(QUEUED);
                    }
                    (false, None)
                }
            }
        };
        if done {
            self.set_status(COMMITTED);
        }
        (done, w)
    }

    /// Unlinks the node from `q` (this channel's queue of its side) if it is
    /// linked there. Called under the channel lock.
    #[inline]
    fn unlink(&self, q: &mut WaitQueue<T>) {
        if self.node.is_linked() {
            // SAFETY: a linked node of this operation is in `q`.
            unsafe { q.remove(&self.node) };
        }
    }

    #[inline]
    fn branch_unregister(&self, chan: &Chan<T>, is_recv: bool) {
        if self.status() == QUEUED {
            let mut g = chan.lock();
            if is_recv {
                self.unlink(&mut g.recvq)
            } else {
                self.unlink(&mut g.sendq)
            }
            self.set_status(IDLE);
        }
    }

    #[inline]
    fn take_recv(&self) -> Option<T> {
        self.set_status(FINISHED);
        // SAFETY: committed: the select and this case own the slot.
        unsafe { self.node.take() }
    }

    #[inline]
    fn take_send(&self) -> Result<(), SendError<T>> {
        self.set_status(FINISHED);
        // SAFETY: as above.
        match unsafe { self.node.take() } {
            None => Ok(()),
            Some(v) => Err(SendError(v)),
        }
    }
}

/// The future of [`Receiver::recv`](super::Receiver::recv): `Some(value)`, or
/// `None` once the channel is closed and drained.
///
/// Dropping it while it waits has no effect on the channel: it is unqueued, and a
/// value that a sender committed to it in the meantime is put back at the front
/// of the channel (nothing is lost).
///
/// ```
/// goro::run(async {
///     let (tx, rx) = goro::chan(1);
///     tx.send(1).await.unwrap();
///     let fut = rx.recv();
///     assert_eq!(fut.await, Some(1));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a, T> {
    chan: &'a Chan<T>,
    core: OpCore<T>,
}

impl<'a, T> RecvFuture<'a, T> {
    #[inline]
    pub(crate) fn new(chan: &'a Chan<T>) -> Self {
        RecvFuture {
            chan,
            core: OpCore::new(None),
        }
    }
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.into_ref().get_ref();
        this.core.poll_recv(this.chan, cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.core.cancel(self.chan, true);
    }
}

impl<T> std::fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecvFuture { .. }")
    }
}

/// The future of [`Sender::send`](super::Sender::send).
///
/// Dropping it before it completes delivers nothing (the value is dropped with
/// it); see the module docs for the one exception, a commit that raced with the
/// drop.
///
/// ```
/// goro::run(async {
///     let (tx, rx) = goro::chan(1);
///     tx.send("hi").await.unwrap();
///     assert_eq!(rx.recv().await, Some("hi"));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    chan: &'a Chan<T>,
    core: OpCore<T>,
}

impl<'a, T> SendFuture<'a, T> {
    #[inline]
    pub(crate) fn new(chan: &'a Chan<T>, v: T) -> Self {
        SendFuture {
            chan,
            core: OpCore::new(Some(v)),
        }
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;
    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.into_ref().get_ref();
        this.core.poll_send(this.chan, cx)
    }
}

impl<T> Drop for SendFuture<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.core.cancel(self.chan, false);
    }
}

impl<T> std::fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendFuture { .. }")
    }
}

impl<T> Branch for RecvFuture<'_, T> {
    #[inline]
    fn try_branch(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        ctx: &Ctx,
        index: usize,
        register: bool,
    ) -> bool {
        let this = self.into_ref().get_ref();
        this.core.branch_try(this.chan, true, ctx, index, register)
    }
    #[inline]
    fn committed(self: Pin<&mut Self>) {
        self.core.set_status(COMMITTED);
    }
    #[inline]
    fn unregister(self: Pin<&mut Self>) {
        let this = self.into_ref().get_ref();
        this.core.branch_unregister(this.chan, true)
    }
    fn sync(self: Pin<&mut Self>) {
        self.chan.sync()
    }
    #[inline]
    fn chan_lock(&self) -> Option<&RawLock> {
        Some(self.chan.raw_lock())
    }
    #[inline]
    unsafe fn try_locked(
        self: Pin<&mut Self>,
        ctx: &Ctx,
        index: usize,
        wake: &mut Option<Waker>,
    ) -> bool {
        let this = self.into_ref().get_ref();
        this.core
            .branch_try_locked(this.chan, true, ctx, index, wake)
    }
    #[inline]
    unsafe fn register_locked(self: Pin<&mut Self>, ctx: &Ctx, index: usize) {
        let this = self.into_ref().get_ref();
        this.core
            .branch_register_locked(this.chan, true, ctx, index)
    }
}

impl<T> Branch for SendFuture<'_, T> {
    #[inline]
    fn try_branch(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        ctx: &Ctx,
        index: usize,
        register: bool,
    ) -> bool {
        let this = self.into_ref().get_ref();
        this.core.branch_try(this.chan, false, ctx, index, register)
    }
    #[inline]
    fn committed(self: Pin<&mut Self>) {
        self.core.set_status(COMMITTED);
    }
    #[inline]
    fn unregister(self: Pin<&mut Self>) {
        let this = self.into_ref().get_ref();
        this.core.branch_unregister(this.chan, false)
    }
    fn sync(self: Pin<&mut Self>) {
        self.chan.sync()
    }
    #[inline]
    fn chan_lock(&self) -> Option<&RawLock> {
        Some(self.chan.raw_lock())
    }
    #[inline]
    unsafe fn try_locked(
        self: Pin<&mut Self>,
        ctx: &Ctx,
        index: usize,
        wake: &mut Option<Waker>,
    ) -> bool {
        let this = self.into_ref().get_ref();
        this.core
            .branch_try_locked(this.chan, false, ctx, index, wake)
    }
    #[inline]
    unsafe fn register_locked(self: Pin<&mut Self>, ctx: &Ctx, index: usize) {
        let this = self.into_ref().get_ref();
        this.core
            .branch_register_locked(this.chan, false, ctx, index)
    }
}

impl<T> TakeOutput for RecvFuture<'_, T> {
    type Output = Option<T>;
    fn take_output(self: Pin<&mut Self>) -> Option<T> {
        self.core.take_recv()
    }
}

impl<T> TakeOutput for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;
    fn take_output(self: Pin<&mut Self>) -> Result<(), SendError<T>> {
        self.core.take_send()
    }
}

/// A receive that owns its [`Receiver`](super::Receiver): what a `select!` case
/// written as a bare receiver (`v = rx_value => ..`, e.g. a timer channel) becomes.
/// Also a future on its own, from [`Receiver::into_recv`](super::Receiver::into_recv).
///
/// ```
/// goro::run(async {
///     let (tx, rx) = goro::chan(1);
///     tx.send(3).await.unwrap();
///     assert_eq!(rx.into_recv().await, Some(3));
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedRecvFuture<T> {
    core: OpCore<T>,
    rx: super::Receiver<T>,
}

impl<T> OwnedRecvFuture<T> {
    pub(crate) fn new(rx: super::Receiver<T>) -> Self {
        OwnedRecvFuture {
            core: OpCore::new(None),
            rx,
        }
    }
}

impl<T> Future for OwnedRecvFuture<T> {
    type Output = Option<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.into_ref().get_ref();
        this.core.poll_recv(&this.rx.chan, cx)
    }
}

impl<T> Drop for OwnedRecvFuture<T> {
    #[inline]
    fn drop(&mut self) {
        self.core.cancel(&self.rx.chan, true);
    }
}

impl<T> std::fmt::Debug for OwnedRecvFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OwnedRecvFuture { .. }")
    }
}

impl<T> Branch for OwnedRecvFuture<T> {
    #[inline]
    fn try_branch(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        ctx: &Ctx,
        index: usize,
        register: bool,
    ) -> bool {
        let this = self.into_ref().get_ref();
        this.core
            .branch_try(&this.rx.chan, true, ctx, index, register)
    }
    #[inline]
    fn committed(self: Pin<&mut Self>) {
        self.core.set_status(COMMITTED);
    }
    #[inline]
    fn unregister(self: Pin<&mut Self>) {
        let this = self.into_ref().get_ref();
        this.core.branch_unregister(&this.rx.chan, true)
    }
    fn sync(self: Pin<&mut Self>) {
        self.rx.chan.sync()
    }
    #[inline]
    fn chan_lock(&self) -> Option<&RawLock> {
        Some(self.rx.chan.raw_lock())
    }
    #[inline]
    unsafe fn try_locked(
        self: Pin<&mut Self>,
        ctx: &Ctx,
        index: usize,
        wake: &mut Option<Waker>,
    ) -> bool {
        let this = self.into_ref().get_ref();
        this.core
            .branch_try_locked(&this.rx.chan, true, ctx, index, wake)
    }
    #[inline]
    unsafe fn register_locked(self: Pin<&mut Self>, ctx: &Ctx, index: usize) {
        let this = self.into_ref().get_ref();
        this.core
            .branch_register_locked(&this.rx.chan, true, ctx, index)
    }
}

impl<T> TakeOutput for OwnedRecvFuture<T> {
    type Output = Option<T>;
    fn take_output(self: Pin<&mut Self>) -> Option<T> {
        self.core.take_recv()
    }
}
