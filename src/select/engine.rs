//! The select engine: one poll of a select (pass 1, and pass 2 under every channel
//! lock), the set of channel locks taken in address order, and cancellation. The
//! algorithm and its invariants are in the `select` module's docs.

use std::cell::Cell;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::order::Order;
use crate::chan::case::Branch;
use crate::chan::lock::RawLock;
use crate::chan::waiter::{Commit, Ctx, DONE, POLLING, WAITING, commit_of};
use crate::loom::sync::atomic::Ordering;

/// Access to the cases of a select by index.
#[allow(clippy::len_without_is_empty)]
pub trait Cases {
    /// The number of cases.
    fn len(&self) -> usize;
    /// Case `i`.
    fn case(&mut self, i: usize) -> Pin<&mut dyn Branch>;
}

/// The commit slot of a select and its progress.
pub(crate) struct SelectState {
    ctx: Ctx,
    /// Some case may be queued on a channel.
    queued: Cell<bool>,
    pub(super) done: Cell<bool>,
    _pin: PhantomPinned,
}

// SAFETY: the cells are only used by the owner of the pinned select (its poll and
// drop); partners reach the `Ctx` only through its atomics and the protocol.
unsafe impl Send for SelectState {}
// SAFETY: as above.
unsafe impl Sync for SelectState {}

impl SelectState {
    pub(super) fn new() -> Self {
        SelectState {
            ctx: Ctx::new(POLLING),
            queued: Cell::new(false),
            done: Cell::new(false),
            _pin: PhantomPinned,
        }
    }
}

#[inline]
fn unregister_all_but<C: Cases + ?Sized>(cases: &mut C, winner: Option<usize>) {
    for j in 0..cases.len() {
        if Some(j) != winner {
            cases.case(j).unregister();
        }
    }
}

/// One poll of a select (see the module docs). `Some(i)`: case `i` won; `None`:
/// the default.
pub(crate) fn poll_select<C: Cases + ?Sized>(
    st: &SelectState,
    cases: &mut C,
    has_default: bool,
    cx: &mut Context<'_>,
) -> Poll<Option<usize>> {
    assert!(!st.done.get(), "goro: select polled after completion");
    // Cooperative budget. A select with `default` never waits for a case, but it
    // is a yield point too: a goroutine that polls with it in a loop would otherwise
    // hold its worker forever (Go would preempt it), starving the very goroutine
    // that is to make a case ready.
    if !st.queued.get() && crate::runtime::coop::poll_proceed(cx).is_pending() {
        return Poll::Pending;
    }
    let ctx = &st.ctx;
    if st.queued.get() {
        // Parked before: was a case committed, or do we take the slot back?
        loop {
            let s = ctx.state.load(Ordering::Acquire);
            match commit_of(s) {
                Commit::Selected(i) => {
                    cases.case(i).committed();
                    return Poll::Ready(Some(finish(st, cases, i)));
                }
                Commit::Claimed(i) => cases.case(i).sync(),
                Commit::None => {
                    debug_assert_eq!(s, WAITING);
                    if ctx
                        .state
                        .compare_exchange(WAITING, POLLING, Ordering::Acquire, Ordering::Acquire)
                        .is_ok()
                    {
                        break;
                    }
                }
            }
        }
    } else {
        ctx.state.store(POLLING, Ordering::Relaxed);
    }
    // We own the slot. Pass 1: each case under its own channel's lock, in a
    // random order; the first ready case wins (a case seen ready is ready). A
    // select that may wait queues the cases it finds not ready as it goes,
    // except the first one tried: it is queued only if no other case is ready
    // (below), so that a select whose second case is ready unqueues nothing.
    let n = cases.len();
    let mut order: Order = Order::new(n);
    for k in 0..n {
        let i = order.pick(k, n);
        if cases.case(i).try_branch(cx, ctx, i, !has_default && k > 0) {
            // This pass queued only the cases it tried between the first one
            // and `i`: none when `i` came first or second. Then, unless an
            // earlier poll queued some, there is nothing to unqueue.
            if k <= 1 && !st.queued.get() {
                return Poll::Ready(Some(close(st, i)));
            }
            return Poll::Ready(Some(finish(st, cases, i)));
        }
    }
    if has_default {
        // Nothing was ready when each case was looked at, but those were
        // different instants: decide at one, with every channel locked.
        let won = decide_locked(cases, &order, ctx, false);
        if won.is_some() {
            return Poll::Ready(won.map(|i| finish(st, cases, i)));
        }
        st.done.set(true);
        ctx.state.store(DONE, Ordering::Release);
        return Poll::Ready(None);
    }
    if n > 0 {
        // Nothing was ready: queue the first case tried, trying it once more
        // under its lock. (A future case was polled once and will wake us.)
        let i = order.get(0);
        let mut case = cases.case(i);
        if case.chan_lock().is_some() && case.as_mut().try_branch(cx, ctx, i, true) {
            return Poll::Ready(Some(finish(st, cases, i)));
        }
    }
    st.queued.set(true);
    // The waker is stored only when we are about to wait (a select that
    // finds a ready case never clones it). Each queued channel case has declared
    // its own wait (`Branch::try_branch`); the select adds nothing to durability.
    let waker = crate::runtime::wait::on(
        cx,
        crate::runtime::wait::Wait::new(
            crate::runtime::wait::WaitKind::Select,
            crate::runtime::wait::THIS_BUBBLE,
        ),
    );
    // SAFETY: state is POLLING: the slot is ours. (No channel lock is held
    // here, so the replaced waker may be dropped at once.)
    drop(unsafe { ctx.set_waker(waker) });
    if ctx
        .state
        .compare_exchange(POLLING, WAITING, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        // POLLING | NOTIFIED: a partner met one of our cases while we polled
        // and passed it over, so what pass 1 saw may be stale: decide again
        // with every channel locked, which goes back to WAITING under the
        // locks if nothing is ready.
        if let Some(i) = decide_locked(cases, &order, ctx, true) {
            return Poll::Ready(Some(finish(st, cases, i)));
        }
    }
    Poll::Pending
}

/// Case `i` won: unqueue the others and close the slot.
#[inline]
fn finish<C: Cases + ?Sized>(st: &SelectState, cases: &mut C, i: usize) -> usize {
    unregister_all_but(cases, Some(i));
    close(st, i)
}

/// Case `i` won and no other case is queued: close the slot.
#[inline]
fn close(st: &SelectState, i: usize) -> usize {
    st.queued.set(false);
    st.done.set(true);
    st.ctx.state.store(DONE, Ordering::Release);
    i
}

/// Pass 2 (Go's `sellock` pass): locks the channels of all channel cases in
/// address order (each once), tries every channel case in `order` (the
/// permutation pass 1 drew), and commits the first ready one. If none is ready
/// and `wait` is set, queues every case that is not queued yet and goes from
/// `POLLING` (`| NOTIFIED`) to `WAITING`, all before unlocking: no partner can
/// reach a case while the locks are held, so a partner that passed a case over
/// earlier has left its trace in the channel state that this pass reads, and
/// no notification can be lost. Future cases are not polled here (pass 1 did).
///
/// A select with `default` and at most one channel case skips the locking:
/// pass 1 already looked at that channel at one instant.
#[inline(never)]
fn decide_locked<C: Cases + ?Sized>(
    cases: &mut C,
    order: &Order,
    ctx: &Ctx,
    wait: bool,
) -> Option<usize> {
    let n = cases.len();
    let mut locks = LockSet::new(n);
    let mut chan_cases = 0;
    for i in 0..n {
        if let Some(l) = cases.case(i).chan_lock() {
            chan_cases += 1;
            locks.insert(l);
        }
    }
    if !wait && chan_cases <= 1 {
        return None;
    }
    let held = locks.lock_all();
    let mut wake = None;
    let mut won = None;
    for k in 0..n {
        let i = order.get(k);
        // SAFETY: every channel case's lock is held (`held`); the slot is ours.
        if unsafe { cases.case(i).try_locked(ctx, i, &mut wake) } {
            won = Some(i);
            break;
        }
    }
    if won.is_none() && wait {
        for i in 0..n {
            // SAFETY: as above.
            unsafe { cases.case(i).register_locked(ctx, i) };
        }
        // Only a partner holding one of these locks could change the state.
        ctx.state.store(WAITING, Ordering::Release);
    }
    drop(held);
    crate::chan::hchan::wake(wake);
    won
}

/// The distinct channel locks of a select, in increasing address order (Go's
/// `lockorder`); on the stack for up to 32 channels.
struct LockSet {
    len: usize,
    inline: [*const RawLock; 32],
    heap: Vec<*const RawLock>,
}

impl LockSet {
    fn new(n: usize) -> LockSet {
        LockSet {
            len: 0,
            inline: [std::ptr::null(); 32],
            heap: if n > 32 {
                Vec::with_capacity(n)
            } else {
                Vec::new()
            },
        }
    }

    fn as_slice(&self) -> &[*const RawLock] {
        if self.heap.capacity() > 0 {
            &self.heap
        } else {
            &self.inline[..self.len]
        }
    }

    /// Adds `l` unless it is there (a channel used by two cases is locked once).
    fn insert(&mut self, l: &RawLock) {
        let p: *const RawLock = l;
        // SAFETY: every pointer in the set is the lock of a channel that a case
        // of the select refers to, alive for this poll.
        let at = match self
            .as_slice()
            .binary_search_by_key(&l.order_key(), |&q| unsafe { (*q).order_key() })
        {
            Ok(_) => return,
            Err(at) => at,
        };
        if self.heap.capacity() > 0 {
            self.heap.insert(at, p);
        } else {
            self.inline.copy_within(at..self.len, at + 1);
            self.inline[at] = p;
            self.len += 1;
        }
    }

    /// Takes every lock, in order; the returned guard releases them.
    fn lock_all(&self) -> HeldLocks<'_> {
        for &l in self.as_slice() {
            // SAFETY: each pointer is the lock of a channel that a case of the
            // select refers to, so it outlives the poll that uses this set.
            unsafe { (*l).lock() };
        }
        HeldLocks(self)
    }
}

/// The locks of a [`LockSet`], held; released when dropped (also if a case
/// panics while they are held).
struct HeldLocks<'a>(&'a LockSet);

impl Drop for HeldLocks<'_> {
    fn drop(&mut self) {
        for &l in self.0.as_slice().iter().rev() {
            // SAFETY: `lock_all` took it, and nothing that borrowed the data
            // under it lives on (each case's access ends within its call).
            unsafe { (*l).unlock() };
        }
    }
}

/// Abandons a select (its future is dropped).
pub(crate) fn cancel_select<C: Cases + ?Sized>(st: &SelectState, cases: &mut C) {
    if st.done.get() {
        return;
    }
    st.done.set(true);
    let ctx = &st.ctx;
    loop {
        let s = ctx.state.load(Ordering::Acquire);
        match commit_of(s) {
            Commit::Selected(i) => {
                // The case happened; a received value is given back by the
                // case's own drop.
                cases.case(i).committed();
                unregister_all_but(cases, Some(i));
                return;
            }
            Commit::Claimed(i) => cases.case(i).sync(),
            Commit::None => {
                if s == WAITING
                    && ctx
                        .state
                        .compare_exchange(WAITING, DONE, Ordering::Acquire, Ordering::Acquire)
                        .is_err()
                {
                    continue;
                }
                // We own the slot (or were polling when a case panicked).
                ctx.state.store(DONE, Ordering::Relaxed);
                unregister_all_but(cases, None);
                return;
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::chan::chan;
    use futures_lite::future::block_on;

    /// Two channels nobody uses and one ready one, many times: the ready case is
    /// tried first, second or third (random order; never third in 64 selects has
    /// odds of 1 in 10^11), and no case that pass 1 queued stays queued. (This
    /// checks the end state: a case future's own drop also unqueues it, so the
    /// test does not tell whether `finish` or the drop did.)
    #[test]
    fn a_ready_select_leaves_nothing_queued() {
        let (_tx_a, rx_a) = chan::<u32>(0);
        let (_tx_b, rx_b) = chan::<u32>(0);
        let (tx_c, rx_c) = chan::<u32>(1);
        for i in 0..64 {
            tx_c.try_send(i).unwrap();
            let v = block_on(async {
                crate::select! {
                    v = rx_a.recv() => v,
                    v = rx_b.recv() => v,
                    v = rx_c.recv() => v,
                }
            });
            assert_eq!(v, Some(i));
            assert!(
                !rx_a.chan.has_waiters(),
                "select {i}: a receive on A stayed queued"
            );
            assert!(
                !rx_b.chan.has_waiters(),
                "select {i}: a receive on B stayed queued"
            );
        }
    }
}
