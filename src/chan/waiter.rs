//! Waiters: the intrusive wait-queue nodes and the per-operation commit slot.
//!
//! A waiting operation (a pending `recv()`/`send()` future, or one case of a
//! `select`) is a [`Node`] linked into its channel's `recvq` or `sendq`, like a
//! `sudog` in Go's runtime/chan.go. The node lives *inside* the pinned future, so
//! waiting allocates nothing. Every node points to a [`Ctx`]: the commit slot of
//! the operation it belongs to. A plain `recv()`/`send()` future has its own `Ctx`;
//! the cases of one `select` share the select's `Ctx` (Go's `g.selectDone`,
//! crossbeam-channel's `Context::select`).
//!
//! # The commit protocol
//!
//! `Ctx::state` is one atomic word:
//!
//! * `WAITING`: the owner is parked; a partner may commit it, exactly once, by the
//!   CAS `WAITING -> claimed(i)` (i = the case index), done while holding the
//!   channel lock of case i. The partner then moves the value (into the node's
//!   slot for a receiver, out of it for a sender), unlinks the node, takes the
//!   owner's waker and publishes `selected(i)` with a release store. From then on
//!   it touches neither the node nor the `Ctx`; it wakes the owner after
//!   unlocking.
//! * `POLLING` (`| NOTIFIED`): the owner is running its poll and owns the slot: a
//!   `select` checks its cases, polls its arbitrary-future branches and (re)links
//!   its nodes in this state, so no partner can commit it in the meantime and a
//!   generic future's output is never obtained after a channel has committed the
//!   select. A partner that meets a `POLLING` node sets `NOTIFIED` and passes it
//!   over (it then completes with another waiter or queues itself); the owner sees
//!   `NOTIFIED` when it tries to go back to `WAITING` and instead looks again with
//!   the locks of all its channels held (the select module's pass 2), where it
//!   finds what that partner did; it stores `WAITING` under those locks, where no
//!   partner can meet it.
//! * `DONE`: the owner has finished (or is no longer interested); partners skip it.
//!
//! The owner reads the slot only after it has seen `selected(i)` (acquire), or
//! after it has taken the channel lock that the partner held (the partner holds the
//! lock from the claim to the release store), so a value is never read half
//! written, and a node or `Ctx` is never freed while a partner may touch it:
//! dropping a waiting future takes the channel lock first.

use std::cell::Cell;
use std::marker::PhantomPinned;
use std::mem::MaybeUninit;
use std::ptr;
use std::task::Waker;

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};

pub(crate) const WAITING: usize = 0;
pub(crate) const POLLING: usize = 1;
pub(crate) const NOTIFIED: usize = 2;
pub(crate) const DONE: usize = 4;
const SEL_BASE: usize = 8;

/// The state value of a commit of case `i` in progress (partner holds the lock).
#[inline]
pub(crate) const fn claimed(i: usize) -> usize {
    SEL_BASE + (i << 1)
}

/// The state value of a completed commit of case `i`.
#[inline]
pub(crate) const fn selected(i: usize) -> usize {
    SEL_BASE + (i << 1) + 1
}

/// What a state word says about a commit.
pub(crate) enum Commit {
    /// Not committed (`WAITING`, `POLLING`, `DONE`).
    None,
    /// A partner is committing case `i` right now (it holds that channel's lock).
    Claimed(usize),
    /// Case `i` was committed; its result is in the node.
    Selected(usize),
}

#[inline]
pub(crate) fn commit_of(s: usize) -> Commit {
    if s < SEL_BASE {
        Commit::None
    } else if s & 1 == 0 {
        Commit::Claimed((s - SEL_BASE) >> 1)
    } else {
        Commit::Selected((s - SEL_BASE) >> 1)
    }
}

/// The commit slot of one waiting operation (one `recv`, one `send` or one select).
/// (Public only so that the hidden select-case trait can name it.)
#[doc(hidden)]
pub struct Ctx {
    pub(crate) state: AtomicUsize,
    /// Written by the owner only while it owns the slot (`POLLING`, or under the
    /// channel lock for a single operation); taken by the partner that claimed it.
    waker: UnsafeCell<Option<Waker>>,
}

impl Ctx {
    #[inline]
    pub(crate) fn new(state: usize) -> Self {
        Ctx {
            state: AtomicUsize::new(state),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores the owner's waker; returns the one it replaces, which the caller
    /// drops after releasing any channel lock (dropping a waker may run
    /// arbitrary code, e.g. free a task whose future uses this channel).
    ///
    /// # Safety
    /// The caller owns the slot: the state is `POLLING`/`DONE`, or it is `WAITING`
    /// and the caller holds the lock of every channel where this `Ctx` is linked.
    #[must_use = "drop the old waker outside the channel lock"]
    pub(crate) unsafe fn set_waker(&self, w: &Waker) -> Option<Waker> {
        self.waker.with_mut(|p| {
            // SAFETY: exclusive access per this function's contract.
            let slot = unsafe { &mut *p };
            match slot {
                Some(old) if old.will_wake(w) => None,
                _ => slot.replace(w.clone()),
            }
        })
    }

    /// A partner tries to commit this operation for case `index`. Returns `true`
    /// when it won (state `claimed(index)`); it must then move the value and call
    /// [`Ctx::publish`]. Passes over an owner that is polling, after telling it.
    /// Called with the lock of case `index`'s channel held.
    #[inline]
    pub(crate) fn try_claim(&self, index: usize) -> bool {
        let mut cur = self.state.load(Ordering::Acquire);
        loop {
            let (want, won) = match cur {
                WAITING => (claimed(index), true),
                POLLING => (POLLING | NOTIFIED, false),
                _ => return false,
            };
            match self
                .state
                .compare_exchange(cur, want, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return won,
                Err(now) => cur = now,
            }
        }
    }

    /// Completes a claim: takes the owner's waker and publishes `selected(index)`.
    /// After this the partner must not touch the `Ctx` or the node again.
    ///
    /// # Safety
    /// The caller won `try_claim(index)` and has finished with the node.
    #[inline]
    pub(crate) unsafe fn publish(&self, index: usize) -> Option<Waker> {
        // SAFETY: the claim gives the partner exclusive access to the waker slot
        // (the owner touches it only while it owns the slot, which it cannot while
        // the state is claimed).
        let w = self.waker.with_mut(|p| unsafe { (*p).take() });
        self.state.store(selected(index), Ordering::Release);
        w
    }
}

/// A wait-queue node. Lives in a pinned future; `prev`, `next`, `linked`, `ctx`
/// and `index` are only touched under the lock of the channel it is queued on (or
/// by the owner while it is not queued).
///
/// A new node writes only `slot`, `linked` and `status`: the links are written
/// when the node is queued and the owner when it is first given one
/// ([`Node::set_owner`]), so an operation that completes at once (and every
/// ready `select` case, which is built and moved into place on every select)
/// costs a few words. `prev`/`next` are valid while linked, `ctx`/`index` once
/// an owner was set (always before the node is linked).
pub(crate) struct Node<T> {
    prev: Cell<MaybeUninit<*const Node<T>>>,
    next: Cell<MaybeUninit<*const Node<T>>>,
    ctx: Cell<MaybeUninit<*const Ctx>>,
    /// The case index within the owner's select (0 for a plain operation).
    index: Cell<MaybeUninit<u32>>,
    linked: Cell<bool>,
    /// The owning operation's progress and flags (used by `op.rs`; kept here to
    /// pack the parked future into fewer bytes).
    pub(crate) status: Cell<u8>,
    /// A receiver's delivered value, or a sender's value to deliver.
    pub(crate) slot: UnsafeCell<Option<T>>,
    _pin: PhantomPinned,
}

// SAFETY: a `Node` is shared between threads only through a channel's wait queue,
// and every access to its cells happens under that channel's lock or follows the
// commit protocol above (which orders the slot accesses); the value it carries is
// moved between threads, hence `T: Send`.
unsafe impl<T: Send> Send for Node<T> {}
// SAFETY: as above; a `&Node` never gives unsynchronised access to its cells.
unsafe impl<T: Send> Sync for Node<T> {}

impl<T> Node<T> {
    #[inline]
    pub(crate) fn new(slot: Option<T>) -> Self {
        Node {
            prev: Cell::new(MaybeUninit::uninit()),
            next: Cell::new(MaybeUninit::uninit()),
            ctx: Cell::new(MaybeUninit::uninit()),
            index: Cell::new(MaybeUninit::uninit()),
            linked: Cell::new(false),
            status: Cell::new(0),
            slot: UnsafeCell::new(slot),
            _pin: PhantomPinned,
        }
    }

    /// The owner's commit slot.
    ///
    /// # Safety
    /// An owner was set ([`Node::set_owner`]); a linked node always has one.
    #[inline]
    pub(crate) unsafe fn ctx(&self) -> *const Ctx {
        // SAFETY: written by `set_owner`, per the contract.
        unsafe { self.ctx.get().assume_init() }
    }

    /// The case index.
    ///
    /// # Safety
    /// As for [`Node::ctx`].
    #[inline]
    pub(crate) unsafe fn index(&self) -> usize {
        // SAFETY: as above.
        unsafe { self.index.get().assume_init() as usize }
    }

    /// Sets the owner and case index (only while not linked).
    #[inline]
    pub(crate) fn set_owner(&self, ctx: *const Ctx, index: usize) {
        debug_assert!(!self.linked.get());
        self.ctx.set(MaybeUninit::new(ctx));
        self.index.set(MaybeUninit::new(
            u32::try_from(index).expect("goro: too many select cases"),
        ));
    }

    /// Takes the slot's content.
    ///
    /// # Safety
    /// The caller has exclusive access to the slot (see the module docs).
    #[inline]
    pub(crate) unsafe fn take(&self) -> Option<T> {
        // SAFETY: per the contract.
        self.slot.with_mut(|p| unsafe { (*p).take() })
    }

    /// Puts a value in the slot.
    ///
    /// # Safety
    /// The caller has exclusive access to the slot (see the module docs).
    #[inline]
    pub(crate) unsafe fn put(&self, v: T) {
        // SAFETY: per the contract.
        self.slot.with_mut(|p| unsafe { *p = Some(v) })
    }

    /// Whether the node is in a queue (read under the channel lock).
    #[inline]
    pub(crate) fn is_linked(&self) -> bool {
        self.linked.get()
    }

    /// The neighbours of a linked node.
    #[inline]
    fn links(&self) -> (*const Node<T>, *const Node<T>) {
        debug_assert!(self.linked.get());
        // SAFETY: written by `push_back` (and kept by `remove`) while linked.
        unsafe { (self.prev.get().assume_init(), self.next.get().assume_init()) }
    }
}

/// An intrusive FIFO of nodes, protected by the channel lock.
pub(crate) struct WaitQueue<T> {
    head: *const Node<T>,
    tail: *const Node<T>,
}

impl<T> WaitQueue<T> {
    pub(crate) const fn new() -> Self {
        WaitQueue {
            head: ptr::null(),
            tail: ptr::null(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.head.is_null()
    }

    /// Appends `node`.
    ///
    /// # Safety
    /// `node` is pinned, not linked, and stays valid until it is removed (its owner
    /// removes it, under the lock, before it is dropped or moved).
    pub(crate) unsafe fn push_back(&mut self, node: &Node<T>) {
        debug_assert!(!node.linked.get());
        node.prev.set(MaybeUninit::new(self.tail));
        node.next.set(MaybeUninit::new(ptr::null()));
        if self.tail.is_null() {
            self.head = node;
        } else {
            // SAFETY: the tail is a valid linked node (queue invariant).
            unsafe { (*self.tail).next.set(MaybeUninit::new(node)) };
        }
        self.tail = node;
        node.linked.set(true);
    }

    /// Unlinks `node`, which must be linked in this queue.
    ///
    /// # Safety
    /// `node` is linked in `self`.
    pub(crate) unsafe fn remove(&mut self, node: &Node<T>) {
        let (prev, next) = node.links();
        if prev.is_null() {
            self.head = next;
        } else {
            // SAFETY: neighbours of a linked node are valid linked nodes.
            unsafe { (*prev).next.set(MaybeUninit::new(next)) };
        }
        if next.is_null() {
            self.tail = prev;
        } else {
            // SAFETY: as above.
            unsafe { (*next).prev.set(MaybeUninit::new(prev)) };
        }
        node.linked.set(false);
    }

    /// Finds the first node that is not owned by `me` and whose owner can be
    /// committed, claims it and unlinks it. Nodes of owners that are polling are
    /// told so and passed over; nodes of owners already committed elsewhere stay
    /// for their owners to unlink.
    ///
    /// # Safety
    /// Called under the channel lock; every linked node is valid (queue invariant).
    pub(crate) unsafe fn claim_first(&mut self, me: *const Ctx) -> *const Node<T> {
        let mut cur = self.head;
        while !cur.is_null() {
            // SAFETY: linked nodes are valid while the lock is held.
            let node = unsafe { &*cur };
            // SAFETY: a linked node has an owner.
            let ctx = unsafe { node.ctx() };
            if !ptr::eq(ctx, me) {
                // SAFETY: a linked node's ctx outlives its link.
                if unsafe { (*ctx).try_claim(node.index()) } {
                    // SAFETY: `node` is linked here.
                    unsafe { self.remove(node) };
                    return cur;
                }
            }
            cur = node.links().1;
        }
        ptr::null()
    }
}
