//! `select!` and [`Select`]: wait on several channel operations (and any futures)
//! at once; exactly one of them happens. Go's `select` statement and
//! `reflect.Select`.
//!
//! ```
//! use std::time::Duration;
//! goro::run(async {
//!     let (tx, rx) = goro::chan::<u32>(0);
//!     let (quit_tx, quit_rx) = goro::chan::<()>(0);
//!     // Keep a receiver here: when the goroutine's is dropped the channel would
//!     // close and the send case could win with an error (Go's channels never close
//!     // by themselves).
//!     let _rx = rx.clone();
//!     let h = goro::go(async move {
//!         for _ in 0..3 {
//!             println!("got {:?}", rx.recv().await);
//!         }
//!         quit_tx.close();
//!     });
//!     let (mut x, mut y) = (0, 1);
//!     loop {
//!         goro::select! {
//!             r = tx.send(x) => { r.unwrap(); (x, y) = (y, x + y); },
//!             _ = quit_rx.recv() => break,
//!             _ = goro::time::sleep(Duration::from_secs(10)) => panic!("timeout"),
//!         }
//!     }
//!     h.await.unwrap();
//! });
//! ```
//!
//! # Algorithm (mirrors Go's runtime/select.go)
//!
//! A select owns one commit slot (`Ctx`, see the channel module) shared by all its
//! channel cases. Each poll:
//!
//! 1. If a partner committed one of its cases while it was parked (state
//!    `selected(i)`), case `i` wins: its value is already in the case's node. The
//!    other cases are unqueued, and the select is done.
//! 2. Otherwise the select takes its slot (`WAITING -> POLLING`). While `POLLING`
//!    no partner can commit it, so the select may look at its cases freely.
//!    **Pass 1**: in a fresh uniformly random order (Go's `pollorder`:
//!    Fisher-Yates, drawn lazily, from a per-thread xorshift generator) it tries
//!    each channel operation under that channel's lock and polls each future
//!    case; the first that is ready wins (a case seen ready under its lock is
//!    ready: taking it is always correct), and the others are unqueued. A select
//!    that may wait (no `default`) queues each channel case that is not ready on
//!    its channel (once), pointing at the shared slot.
//! 3. Pass 1 looked at each channel at a different instant, so "nothing was
//!    ready" is not yet an answer. **Pass 2** (Go's `sellock`): the select locks
//!    the channels of all its channel cases at once, in increasing address order
//!    (Go's `lockorder`; a channel used by two cases is locked once), tries every
//!    channel case again in the same order, and commits the first ready one.
//!    With every lock held no partner can change any of the channels, so this is
//!    one instant: if no case is ready then, none was.
//!    * With `default`: pass 2 decides between a ready case and the default (it
//!      is skipped when the select has at most one channel case: pass 1 already
//!      saw that channel at one instant). Nothing is ever queued.
//!    * Without: the select stores its waker and goes back to `WAITING` (the CAS
//!      `POLLING -> WAITING`). A partner that met one of its queued cases while it
//!      was polling left a `NOTIFIED` mark and moved on, so the CAS fails; only
//!      then does the select run pass 2, which either commits a case that became
//!      ready, or queues what is not queued yet and stores `WAITING` while it
//!      still holds every lock. No partner can reach a case while the locks are
//!      held, and every partner that passed a case over has left its trace in the
//!      channel state that pass 2 reads, so no wake-up is lost and no further
//!      pass is needed. Then it returns `Pending`.
//!
//! A partner (a `send`/`recv` on one of the channels, or another select) commits
//! the select with the CAS `WAITING -> claimed(i)` under case `i`'s channel lock,
//! moves the value, publishes `selected(i)` and wakes it. So exactly one case ever
//! commits: a losing receive consumed nothing and a losing send delivered nothing,
//! on unbuffered channels too. A select never matches itself (a send and a receive
//! case on one unbuffered channel are not partners). A future case is polled only
//! while the select owns its slot, so a future's output is never taken after a
//! channel case committed, and a future case that is ready makes the select finish
//! at once.
//!
//! Pass 2 is the only place where a thread holds more than one channel lock, and
//! it always takes them in address order, so two selects cannot deadlock on each
//! other's channels; it runs no user code and wakes partners only after
//! unlocking.
//!
//! Dropping a waiting select takes its slot back (`WAITING -> DONE`) and unqueues
//! every case: it has had no effect. If a partner won the race to commit a case
//! first, that case did happen; a received value is then put back into its
//! channel (see the channel module), so nothing is lost.
//!
//! # Consistency
//!
//! Over its channel cases a select decides at one instant, as Go's does: a select
//! with `default` takes the default only if at one instant no channel case was
//! ready (Go's TestNonblockSelectRace), and a select without parks only if at one
//! instant none was. Future cases (any `IntoFuture`: a `JoinHandle`, `sleep`,
//! `wg.wait()`) are outside that instant: goro cannot lock them, so each is polled
//! once per poll of the select, during pass 1, and a future that becomes ready
//! after its poll is seen at the next poll of the select (it woke the select) or,
//! with `default`, not at all by this select. A timer channel (`time::after`,
//! `Timer`, `Ticker`) is a channel, inside the instant.
//!
//! # Differences from Go
//!
//! Go locks every channel of a select for each pass; goro takes each channel's
//! lock alone in pass 1 and locks them all only when pass 1 found nothing ready
//! (with `default`) or was interrupted by a partner (without), so the common
//! cases (a ready case, or a quiet park) cost one lock round trip per case. The
//! slot's `POLLING` state is what lets a select include arbitrary futures, which
//! Go's cannot. A select is an ordinary future: it works on any executor.

use std::cell::Cell;
use std::future::{Future, IntoFuture};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::chan::sync::Ordering;
use crate::chan::sync::RawLock;
use crate::chan::waiter::{commit_of, Commit, Ctx, DONE, POLLING, WAITING};
use crate::chan::{Receiver, RecvFuture, SendError, SendFuture, Sender};

/// The per-thread random generator behind Go's random `pollorder`.
mod rng {
    #[cfg(not(loom))]
    use std::cell::Cell;

    #[cfg(not(loom))]
    thread_local! {
        /// xorshift64* state; 0 = not seeded yet.
        static STATE: Cell<u64> = const { Cell::new(0) };
    }

    #[cfg(not(loom))]
    #[cold]
    fn seed() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(&h as *const _ as usize);
        h.finish() | 1
    }

    /// A uniformly distributed number in `0..n` (`n > 0`).
    #[cfg(not(loom))]
    #[inline]
    pub(crate) fn below(n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let x = STATE.with(|s| {
            let mut x = s.get();
            if x == 0 {
                x = seed();
            }
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            s.set(x);
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        });
        (((x >> 32) * n as u64) >> 32) as usize
    }

    /// Under loom the order must be deterministic: always the first.
    #[cfg(loom)]
    pub(crate) fn below(_n: usize) -> usize {
        0
    }
}

/// Internals used by the `select!` macro. Not a public API.
#[doc(hidden)]
pub mod __private {
    use super::*;

    pub use crate::chan::sync::RawLock;
    pub use crate::chan::waiter::Ctx;
    pub use std::task::Waker;

    /// One case of a select, as the select drives it.
    pub trait Branch {
        /// The select owns its slot: try to complete now. When not ready and
        /// `register` is set, queue the case (once) pointing at `ctx`. Returns
        /// `true` when the case completed (its output is kept for `take_output`).
        fn try_branch(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            ctx: &Ctx,
            index: usize,
            register: bool,
        ) -> bool;
        /// A partner committed this case (it is no longer queued).
        fn committed(self: Pin<&mut Self>);
        /// Unqueue the case if it is queued.
        fn unregister(self: Pin<&mut Self>);
        /// Wait until a partner committing this case has finished (take and
        /// release the channel lock).
        fn sync(self: Pin<&mut Self>);
        /// The lock of this case's channel; `None` for a future or a disabled
        /// case (which the select cannot lock).
        fn chan_lock(&self) -> Option<&RawLock>;
        /// `try_branch` for a select that holds the locks of all its channels:
        /// never queues, never polls a future; the waker of a partner that the
        /// commit completed goes to `wake`, to be woken after unlocking.
        ///
        /// # Safety
        /// The caller holds this case's channel lock (`chan_lock`) and owns the
        /// select's slot.
        unsafe fn try_locked(
            self: Pin<&mut Self>,
            ctx: &Ctx,
            index: usize,
            wake: &mut Option<Waker>,
        ) -> bool;
        /// Queues the case on its channel unless it is queued already, after
        /// `try_locked` found it not ready under the same locks.
        ///
        /// # Safety
        /// As for `try_locked`.
        unsafe fn register_locked(self: Pin<&mut Self>, ctx: &Ctx, index: usize);
    }

    /// The output of a completed case.
    pub trait TakeOutput {
        /// The case's output type.
        type Output;
        /// Takes the output (once, after the case won).
        fn take_output(self: Pin<&mut Self>) -> Self::Output;
    }

    pin_project_lite::pin_project! {
        /// A case that is an arbitrary future.
        pub struct FutBranch<F: Future> {
            #[pin]
            fut: F,
            out: Option<F::Output>,
        }
    }

    impl<F: Future> Branch for FutBranch<F> {
        fn try_branch(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            _ctx: &Ctx,
            _index: usize,
            _register: bool,
        ) -> bool {
            let this = self.project();
            if this.out.is_some() {
                return true;
            }
            match this.fut.poll(cx) {
                Poll::Ready(v) => {
                    *this.out = Some(v);
                    true
                }
                Poll::Pending => false,
            }
        }
        fn committed(self: Pin<&mut Self>) {}
        fn unregister(self: Pin<&mut Self>) {}
        fn sync(self: Pin<&mut Self>) {}
        fn chan_lock(&self) -> Option<&RawLock> {
            None
        }
        unsafe fn try_locked(
            self: Pin<&mut Self>,
            _ctx: &Ctx,
            _index: usize,
            _wake: &mut Option<Waker>,
        ) -> bool {
            false
        }
        unsafe fn register_locked(self: Pin<&mut Self>, _ctx: &Ctx, _index: usize) {}
    }

    impl<F: Future> TakeOutput for FutBranch<F> {
        type Output = F::Output;
        fn take_output(self: Pin<&mut Self>) -> F::Output {
            match self.project().out.take() {
                Some(v) => v,
                None => unreachable!("goro: select case output taken twice"),
            }
        }
    }

    /// A disabled (`, if false`) case is `None`: never ready, never queued.
    impl<B: Branch> Branch for Option<B> {
        fn try_branch(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            ctx: &Ctx,
            index: usize,
            register: bool,
        ) -> bool {
            match self.as_pin_mut() {
                Some(b) => b.try_branch(cx, ctx, index, register),
                None => false,
            }
        }
        fn committed(self: Pin<&mut Self>) {
            if let Some(b) = self.as_pin_mut() {
                b.committed()
            }
        }
        fn unregister(self: Pin<&mut Self>) {
            if let Some(b) = self.as_pin_mut() {
                b.unregister()
            }
        }
        fn sync(self: Pin<&mut Self>) {
            if let Some(b) = self.as_pin_mut() {
                b.sync()
            }
        }
        fn chan_lock(&self) -> Option<&RawLock> {
            self.as_ref().and_then(|b| b.chan_lock())
        }
        unsafe fn try_locked(
            self: Pin<&mut Self>,
            ctx: &Ctx,
            index: usize,
            wake: &mut Option<Waker>,
        ) -> bool {
            match self.as_pin_mut() {
                // SAFETY: forwarded contract.
                Some(b) => unsafe { b.try_locked(ctx, index, wake) },
                None => false,
            }
        }
        unsafe fn register_locked(self: Pin<&mut Self>, ctx: &Ctx, index: usize) {
            if let Some(b) = self.as_pin_mut() {
                // SAFETY: forwarded contract.
                unsafe { b.register_locked(ctx, index) }
            }
        }
    }

    impl<B: TakeOutput> TakeOutput for Option<B> {
        type Output = B::Output;
        fn take_output(self: Pin<&mut Self>) -> B::Output {
            match self.as_pin_mut() {
                Some(b) => b.take_output(),
                None => unreachable!("goro: a disabled select case cannot win"),
            }
        }
    }

    /// Access to the cases of a select by index.
    #[allow(clippy::len_without_is_empty)]
    pub trait Cases {
        /// The number of cases.
        fn len(&self) -> usize;
        /// Case `i`.
        fn case(&mut self, i: usize) -> Pin<&mut dyn Branch>;
    }

    /// Holder for the autoref dispatch of `select!` case expressions.
    pub struct Wrap<T>(pub Option<T>);

    /// Channel operations become channel cases (chosen first by method lookup).
    pub trait ViaChan {
        /// The case type.
        type Case: Branch + TakeOutput;
        /// Makes the case.
        fn __goro_case(&mut self) -> Self::Case;
    }

    /// Anything else that is `IntoFuture` becomes a future case.
    pub trait ViaFuture {
        /// The case type.
        type Case: Branch + TakeOutput;
        /// Makes the case.
        fn __goro_case(&mut self) -> Self::Case;
    }

    #[inline]
    fn take<T>(o: &mut Option<T>) -> T {
        match o.take() {
            Some(v) => v,
            None => unreachable!(),
        }
    }

    impl<'a, T> ViaChan for Wrap<RecvFuture<'a, T>> {
        type Case = RecvFuture<'a, T>;
        #[inline]
        fn __goro_case(&mut self) -> Self::Case {
            take(&mut self.0)
        }
    }

    impl<'a, T> ViaChan for Wrap<SendFuture<'a, T>> {
        type Case = SendFuture<'a, T>;
        #[inline]
        fn __goro_case(&mut self) -> Self::Case {
            take(&mut self.0)
        }
    }

    impl<T> ViaChan for Wrap<crate::chan::OwnedRecv<T>> {
        type Case = crate::chan::OwnedRecv<T>;
        #[inline]
        fn __goro_case(&mut self) -> Self::Case {
            take(&mut self.0)
        }
    }

    impl<T> ViaChan for Wrap<Receiver<T>> {
        type Case = crate::chan::OwnedRecv<T>;
        #[inline]
        fn __goro_case(&mut self) -> Self::Case {
            take(&mut self.0).into_recv()
        }
    }

    impl<F: IntoFuture> ViaFuture for &mut Wrap<F> {
        type Case = FutBranch<F::IntoFuture>;
        #[inline]
        fn __goro_case(&mut self) -> Self::Case {
            FutBranch {
                fut: take(&mut self.0).into_future(),
                out: None,
            }
        }
    }

    /// Takes a winning case's output.
    #[inline]
    pub fn take_output<B: TakeOutput>(b: Pin<&mut B>) -> B::Output {
        b.take_output()
    }

    /// The future that a `select!` awaits: `Some(i)` (case `i` won) or `None`
    /// (default). `C` is a tuple of pinned cases.
    pub struct SelectFut<C: Cases> {
        cases: C,
        state: SelectState,
        has_default: bool,
    }

    impl<C: Cases> SelectFut<C> {
        /// A select over `cases`.
        pub fn new(cases: C, has_default: bool) -> Self {
            SelectFut {
                cases,
                state: SelectState::new(),
                has_default,
            }
        }
    }

    impl<C: Cases> Future for SelectFut<C> {
        type Output = Option<usize>;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<usize>> {
            // SAFETY: we never move out of the pinned future; `state` is only
            // used through a shared reference below, `cases` are pinned already.
            let this = unsafe { self.get_unchecked_mut() };
            poll_select(&this.state, &mut this.cases, this.has_default, cx)
        }
    }

    impl<C: Cases> Drop for SelectFut<C> {
        fn drop(&mut self) {
            cancel_select(&self.state, &mut self.cases);
        }
    }

    macro_rules! tuple_cases {
        ($len:literal: $($idx:tt $B:ident),*) => {
            impl<$($B: Branch),*> Cases for ($(Pin<&mut $B>,)*) {
                #[inline]
                fn len(&self) -> usize {
                    $len
                }
                #[inline]
                #[allow(unused_variables)]
                fn case(&mut self, i: usize) -> Pin<&mut dyn Branch> {
                    match i {
                        $($idx => self.$idx.as_mut(),)*
                        _ => unreachable!(),
                    }
                }
            }
        };
    }
    tuple_cases!(0: );
    tuple_cases!(1: 0 B0);
    tuple_cases!(2: 0 B0, 1 B1);
    tuple_cases!(3: 0 B0, 1 B1, 2 B2);
    tuple_cases!(4: 0 B0, 1 B1, 2 B2, 3 B3);
    tuple_cases!(5: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4);
    tuple_cases!(6: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5);
    tuple_cases!(7: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6);
    tuple_cases!(8: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7);
    tuple_cases!(9: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8);
    tuple_cases!(10: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9);
    tuple_cases!(11: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10);
    tuple_cases!(12: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11);
    tuple_cases!(13: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12);
    tuple_cases!(14: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13);
    tuple_cases!(15: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14);
    tuple_cases!(16: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15);
    tuple_cases!(17: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16);
    tuple_cases!(18: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17);
    tuple_cases!(19: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18);
    tuple_cases!(20: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19);
    tuple_cases!(21: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20);
    tuple_cases!(22: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21);
    tuple_cases!(23: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22);
    tuple_cases!(24: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23);
    tuple_cases!(25: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23, 24 B24);
    tuple_cases!(26: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23, 24 B24, 25 B25);
    tuple_cases!(27: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23, 24 B24, 25 B25, 26 B26);
    tuple_cases!(28: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23, 24 B24, 25 B25, 26 B26, 27 B27);
    tuple_cases!(29: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23, 24 B24, 25 B25, 26 B26, 27 B27, 28 B28);
    tuple_cases!(30: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23, 24 B24, 25 B25, 26 B26, 27 B27, 28 B28, 29 B29);
    tuple_cases!(31: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23, 24 B24, 25 B25, 26 B26, 27 B27, 28 B28, 29 B29, 30 B30);
    tuple_cases!(32: 0 B0, 1 B1, 2 B2, 3 B3, 4 B4, 5 B5, 6 B6, 7 B7, 8 B8, 9 B9, 10 B10, 11 B11, 12 B12, 13 B13, 14 B14, 15 B15, 16 B16, 17 B17, 18 B18, 19 B19, 20 B20, 21 B21, 22 B22, 23 B23, 24 B24, 25 B25, 26 B26, 27 B27, 28 B28, 29 B29, 30 B30, 31 B31);
}

use __private::{Branch, Cases};

/// The commit slot of a select and its progress.
pub(crate) struct SelectState {
    ctx: Ctx,
    /// Some case may be queued on a channel.
    queued: Cell<bool>,
    done: Cell<bool>,
    _pin: PhantomPinned,
}

// SAFETY: the cells are only used by the owner of the pinned select (its poll and
// drop); partners reach the `Ctx` only through its atomics and the protocol.
unsafe impl Send for SelectState {}
// SAFETY: as above.
unsafe impl Sync for SelectState {}

impl SelectState {
    fn new() -> Self {
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
    // select that may wait queues its cases as it goes.
    let n = cases.len();
    let mut order: smallvec::Order = smallvec::Order::new(n);
    for k in 0..n {
        let i = order.pick(k, n);
        if cases.case(i).try_branch(cx, ctx, i, !has_default) {
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
    st.queued.set(true);
    // The waker is stored only when we are about to wait (a select that
    // finds a ready case never clones it).
    // SAFETY: state is POLLING: the slot is ours. (No channel lock is held
    // here, so the replaced waker may be dropped at once.)
    drop(unsafe { ctx.set_waker(crate::runtime::deadlock::inner_waker(cx.waker())) });
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
    crate::runtime::deadlock::note(crate::runtime::deadlock::Wait::Select);
    Poll::Pending
}

/// Case `i` won: unqueue the others and close the slot.
#[inline]
fn finish<C: Cases + ?Sized>(st: &SelectState, cases: &mut C, i: usize) -> usize {
    unregister_all_but(cases, Some(i));
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
    order: &smallvec::Order,
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

/// A random permutation drawn lazily, on the stack for up to 32 cases.
mod smallvec {
    const IDENTITY: [u8; 32] = {
        let mut a = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            a[i] = i as u8;
            i += 1;
        }
        a
    };

    pub(crate) enum Order {
        Inline([u8; 32]),
        Heap(Vec<usize>),
    }

    impl Order {
        #[inline]
        pub(crate) fn new(n: usize) -> Self {
            if n <= 32 {
                Order::Inline(IDENTITY)
            } else {
                Order::Heap((0..n).collect())
            }
        }

        /// The `k`-th case of a permutation that `pick` has drawn in full.
        #[inline]
        pub(crate) fn get(&self, k: usize) -> usize {
            match self {
                Order::Inline(a) => a[k] as usize,
                Order::Heap(v) => v[k],
            }
        }

        /// Fisher-Yates step `k`: the `k`-th case to try.
        #[inline]
        pub(crate) fn pick(&mut self, k: usize, n: usize) -> usize {
            let j = k + super::rng::below(n - k);
            match self {
                Order::Inline(a) => {
                    a.swap(k, j);
                    a[k] as usize
                }
                Order::Heap(v) => {
                    v.swap(k, j);
                    v[k]
                }
            }
        }
    }
}

/// Waits on several channel operations and futures; exactly one case runs.
/// Go's `select` statement.
///
/// ```text
/// select! {
///     v = rx.recv() => { /* v: Option<T>, None = closed */ },
///     r = tx.send(x) => { /* r: Result<(), SendError<T>> */ },
///     v = rx2.recv(), if enabled => { /* a disabled case is Go's nil channel */ },
///     v = some_future => { /* any IntoFuture: a JoinHandle, wg.wait(), sleep(d) */ },
///     _ = timer_receiver => { /* a bare Receiver is received from */ },
///     default => { /* nothing was ready: the select does not wait */ },
/// }
/// ```
///
/// * Exactly one case commits: a receive that loses consumed nothing, a send that
///   loses delivered nothing (unbuffered channels included), a future that loses
///   is dropped without its output having been taken.
/// * When several cases are ready, one is chosen uniformly at random.
/// * The channel cases are decided at one instant, as in Go: with `default`, the
///   default runs only if at one instant no channel case was ready (future cases
///   are polled once per poll, outside that instant: see the module docs).
/// * Case expressions are evaluated once, in order, before waiting (a disabled
///   case's expression is not evaluated). Bodies run after the select completes,
///   in the enclosing function, so `break`, `continue`, `return` and `?` work.
///   Patterns must be irrefutable; every body must have the same type.
/// * Without `default` and with every case disabled, it waits forever (Go's
///   `select {}`).
/// * With `default` it never waits for a case, but on a goro worker it is a yield
///   point like every goro operation: once the goroutine has spent its budget (128
///   operations in one poll) it lets the worker's other goroutines run first, as
///   Go's preemption would. So a loop that polls with `default` cannot starve the
///   goroutine that is to make a case ready.
/// * It is an ordinary future: it works on any executor. Dropping it while it
///   waits cancels it with no effect (see the module docs for the race with a
///   commit).
/// * At most 32 cases (use [`Select`] beyond).
///
/// ```
/// use goro::select;
/// goro::run(async {
///     let (tx1, rx1) = goro::chan::<i32>(1);
///     let (tx2, rx2) = goro::chan::<&str>(0);
///     tx1.send(1).await.unwrap();
///     let got = select! {
///         v = rx1.recv() => format!("rx1 {v:?}"),
///         v = rx2.recv() => format!("rx2 {v:?}"),
///         r = tx2.send("x"), if false => format!("sent {r:?}"),
///     };
///     assert_eq!(got, "rx1 Some(1)");
///     // Nothing is ready: default.
///     let got = select! {
///         v = rx1.recv() => Some(v),
///         default => None,
///     };
///     assert_eq!(got, None);
///     drop(tx1);
/// });
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__goro_select_parse! {
            @names [(__c0 0) (__c1 1) (__c2 2) (__c3 3) (__c4 4) (__c5 5) (__c6 6) (__c7 7) (__c8 8) (__c9 9) (__c10 10) (__c11 11) (__c12 12) (__c13 13) (__c14 14) (__c15 15) (__c16 16) (__c17 17) (__c18 18) (__c19 19) (__c20 20) (__c21 21) (__c22 22) (__c23 23) (__c24 24) (__c25 25) (__c26 26) (__c27 27) (__c28 28) (__c29 29) (__c30 30) (__c31 31)]
            @cases []
            @default []
            $($tokens)*
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __goro_select_parse {
    // default => block,
    (@names $names:tt @cases $cases:tt @default []
        default => $body:block, $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names $names @cases $cases @default [$body] $($rest)* }
    };
    // default => block
    (@names $names:tt @cases $cases:tt @default []
        default => $body:block $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names $names @cases $cases @default [$body] $($rest)* }
    };
    // default => expr
    (@names $names:tt @cases $cases:tt @default []
        default => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__goro_select_parse! { @names $names @cases $cases @default [{ $body }] $($($rest)*)? }
    };
    // pat = expr, if cond => block,
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr, if $c:expr => $body:block, $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, $c, $body)] @default $d $($rest)* }
    };
    // pat = expr, if cond => block
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr, if $c:expr => $body:block $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, $c, $body)] @default $d $($rest)* }
    };
    // pat = expr, if cond => expr
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr, if $c:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, $c, { $body })] @default $d $($($rest)*)? }
    };
    // pat = expr => block,
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr => $body:block, $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, true, $body)] @default $d $($rest)* }
    };
    // pat = expr => block
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr => $body:block $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, true, $body)] @default $d $($rest)* }
    };
    // pat = expr => expr
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, true, { $body })] @default $d $($($rest)*)? }
    };
    // all parsed, no default
    (@names $names:tt @cases [$(($n:ident, $i:literal, $p:pat, $e:expr, $c:expr, $body:block))*] @default []) => {
        $crate::__goro_select_emit! { [$(($n, $i, $p, $e, $c, $body))*] false { ::core::unreachable!("goro: select without default chose default") } }
    };
    // all parsed, with default
    (@names $names:tt @cases [$(($n:ident, $i:literal, $p:pat, $e:expr, $c:expr, $body:block))*] @default [$d:block]) => {
        $crate::__goro_select_emit! { [$(($n, $i, $p, $e, $c, $body))*] true $d }
    };
    (@names [] $($rest:tt)*) => {
        ::core::compile_error!("goro::select!: at most 32 cases (use goro::Select)")
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __goro_select_emit {
    ([$(($n:ident, $i:literal, $p:pat, $e:expr, $c:expr, $body:block))*] $has_default:tt $d:block) => {{
        #[allow(unused_imports)]
        use $crate::select::__private::{ViaChan as _, ViaFuture as _};
        $(
            let mut $n = ::core::pin::pin!(
                if $c {
                    ::core::option::Option::Some(
                        (&mut $crate::select::__private::Wrap(::core::option::Option::Some($e)))
                            .__goro_case(),
                    )
                } else {
                    ::core::option::Option::None
                }
            );
        )*
        let __goro_won: ::core::option::Option<usize> = $crate::select::__private::SelectFut::new(
            ($($n.as_mut(),)*),
            $has_default,
        )
        .await;
        match __goro_won {
            $(
                ::core::option::Option::Some($i) => {
                    let $p = $crate::select::__private::take_output($n.as_mut());
                    $body
                }
            )*
            _ => $d,
        }
    }};
}

// ---------------------------------------------------------------------------
// The dynamic builder.
// ---------------------------------------------------------------------------

enum DynCase<'a, T> {
    Recv(RecvFuture<'a, T>),
    Send(SendFuture<'a, T>),
}

impl<T> DynCase<'_, T> {
    fn pinned(self: Pin<&mut Self>) -> Pin<&mut dyn Branch> {
        // SAFETY: structural pinning: the variant's future is never moved out of
        // the pinned enum.
        unsafe {
            match self.get_unchecked_mut() {
                DynCase::Recv(r) => Pin::new_unchecked(r),
                DynCase::Send(s) => Pin::new_unchecked(s),
            }
        }
    }
}

/// A select over a set of channel operations built at run time: Go's
/// `reflect.Select`. All operations carry the same value type `T` (use an enum
/// for mixed types). Same guarantees as [`select!`]: exactly one operation
/// happens, chosen uniformly at random among the ready ones.
///
/// ```
/// use goro::{Select, Selected};
/// goro::run(async {
///     let chans: Vec<_> = (0..4).map(|_| goro::chan::<u32>(1)).collect();
///     chans[2].0.send(42).await.unwrap();
///
///     let mut s = Select::new();
///     for (_, rx) in &chans {
///         s.recv(rx);
///     }
///     match s.select().await {
///         Selected::Recv { index, value } => assert_eq!((index, value), (2, Some(42))),
///         Selected::Send { .. } => unreachable!(),
///     }
/// });
/// ```
pub struct Select<'a, T> {
    cases: Vec<Pin<Box<DynCase<'a, T>>>>,
}

/// The outcome of a [`Select`]: which operation happened and its result.
///
/// ```
/// use goro::{Select, Selected};
/// let (tx, rx) = goro::chan::<i32>(1);
/// let mut s = Select::new();
/// let i = s.send(&tx, 5);
/// let sel = s.try_select().ok().unwrap();
/// assert_eq!(sel.index(), i);
/// assert!(matches!(sel, Selected::Send { result: Ok(()), .. }));
/// # drop(rx);
/// ```
#[derive(Debug)]
pub enum Selected<T> {
    /// Receive number `index` happened; `value` is `None` if the channel was
    /// closed and drained.
    Recv {
        /// The index `Select::recv` returned.
        index: usize,
        /// The value, or `None` (closed).
        value: Option<T>,
    },
    /// Send number `index` happened (`Err` if the channel was closed: the value
    /// comes back).
    Send {
        /// The index `Select::send` returned.
        index: usize,
        /// The send's result.
        result: Result<(), SendError<T>>,
    },
}

impl<T> Selected<T> {
    /// The index of the operation that happened.
    ///
    /// ```
    /// let (_tx, rx) = goro::chan::<i32>(0);
    /// drop(_tx);
    /// let mut s = goro::Select::new();
    /// s.recv(&rx);
    /// assert_eq!(s.select_blocking().index(), 0);
    /// ```
    pub fn index(&self) -> usize {
        match self {
            Selected::Recv { index, .. } | Selected::Send { index, .. } => *index,
        }
    }
}

impl<T> Default for Select<'_, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, T> Select<'a, T> {
    /// An empty select (waits forever if no operation is added).
    ///
    /// ```
    /// let s = goro::Select::<i32>::new();
    /// assert!(s.is_empty());
    /// ```
    pub fn new() -> Self {
        Select { cases: Vec::new() }
    }

    /// Adds a receive from `rx`; returns its index.
    ///
    /// ```
    /// let (_tx, rx) = goro::chan::<i32>(0);
    /// let mut s = goro::Select::new();
    /// assert_eq!(s.recv(&rx), 0);
    /// assert_eq!(s.recv(&rx), 1);
    /// ```
    pub fn recv(&mut self, rx: &'a Receiver<T>) -> usize {
        self.cases.push(Box::pin(DynCase::Recv(rx.recv())));
        self.cases.len() - 1
    }

    /// Adds a send of `v` on `tx`; returns its index. If another operation wins,
    /// `v` is dropped with the select.
    ///
    /// ```
    /// let (tx, _rx) = goro::chan::<i32>(0);
    /// let mut s = goro::Select::new();
    /// assert_eq!(s.send(&tx, 1), 0);
    /// ```
    pub fn send(&mut self, tx: &'a Sender<T>, v: T) -> usize {
        self.cases.push(Box::pin(DynCase::Send(tx.send(v))));
        self.cases.len() - 1
    }

    /// The number of operations.
    ///
    /// ```
    /// let (_tx, rx) = goro::chan::<i32>(0);
    /// let mut s = goro::Select::new();
    /// s.recv(&rx);
    /// assert_eq!(s.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// `true` if no operation was added.
    ///
    /// ```
    /// assert!(goro::Select::<()>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// Waits until one operation happens.
    ///
    /// ```
    /// goro::run(async {
    ///     let (tx, rx) = goro::chan::<i32>(0);
    ///     let h = goro::go(async move { rx.recv().await });
    ///     let mut s = goro::Select::new();
    ///     s.send(&tx, 1);
    ///     assert_eq!(s.select().await.index(), 0);
    ///     assert_eq!(h.await.unwrap(), Some(1));
    /// });
    /// ```
    pub fn select(self) -> SelectFuture<'a, T> {
        SelectFuture {
            cases: self.cases,
            state: SelectState::new(),
        }
    }

    /// Performs one ready operation without waiting (Go's select with
    /// `default`); gives the select back if none is ready.
    ///
    /// ```
    /// let (tx, rx) = goro::chan::<i32>(1);
    /// let mut s = goro::Select::new();
    /// s.recv(&rx);
    /// let s = s.try_select().unwrap_err(); // nothing to receive
    /// tx.try_send(1).unwrap();
    /// assert_eq!(s.try_select().ok().unwrap().index(), 0);
    /// ```
    pub fn try_select(self) -> Result<Selected<T>, Self> {
        let mut fut = SelectFuture {
            cases: self.cases,
            state: SelectState::new(),
        };
        struct Noop;
        impl std::task::Wake for Noop {
            fn wake(self: std::sync::Arc<Self>) {}
        }
        // Never woken: with a default nothing waits.
        let waker = std::task::Waker::from(std::sync::Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        // With a default, nothing is ever queued, so the state need not be
        // pinned beyond this call.
        match poll_select(&fut.state, &mut fut.cases, true, &mut cx) {
            Poll::Ready(Some(i)) => Ok(fut.output(i)),
            _ => {
                fut.state.done.set(true);
                Err(Select {
                    cases: std::mem::take(&mut fut.cases),
                })
            }
        }
    }

    /// Waits for one operation, blocking the thread: for code outside the
    /// runtime.
    ///
    /// ```
    /// let (tx, rx) = goro::chan::<i32>(1);
    /// tx.try_send(7).unwrap();
    /// let mut s = goro::Select::new();
    /// s.recv(&rx);
    /// assert!(matches!(s.select_blocking(), goro::Selected::Recv { index: 0, value: Some(7) }));
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it would block
    /// the worker: use [`select`](Self::select)`().await` there. Plain threads and
    /// [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn select_blocking(self) -> Selected<T> {
        crate::runtime::deadlock::blocking("Select::select_blocking", "s.select().await", || {
            futures_lite::future::block_on(self.select())
        })
    }
}

impl<T> Cases for Vec<Pin<Box<DynCase<'_, T>>>> {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    #[inline]
    fn case(&mut self, i: usize) -> Pin<&mut dyn Branch> {
        self[i].as_mut().pinned()
    }
}

/// The future of [`Select::select`]. Dropping it while it waits cancels the
/// select with no effect (every operation is unqueued).
///
/// ```
/// use std::future::Future;
/// let (tx, rx) = goro::chan::<i32>(0);
/// let mut s = goro::Select::new();
/// s.recv(&rx);
/// let mut fut = Box::pin(s.select());
/// // Nothing to receive: pending (parked on the channel)...
/// assert!(futures_lite::future::block_on(futures_lite::future::poll_once(fut.as_mut())).is_none());
/// drop(fut); // ...and dropping it unparks it: no receiver is left.
/// assert!(tx.try_send(1).unwrap_err().is_full());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SelectFuture<'a, T> {
    cases: Vec<Pin<Box<DynCase<'a, T>>>>,
    state: SelectState,
}

impl<T> SelectFuture<'_, T> {
    fn output(&mut self, i: usize) -> Selected<T> {
        use __private::TakeOutput;
        // SAFETY: structural pinning of the boxed case, as in `DynCase::pinned`.
        match unsafe { self.cases[i].as_mut().get_unchecked_mut() } {
            DynCase::Recv(r) => Selected::Recv {
                index: i,
                // SAFETY: the case is boxed and pinned; we only re-borrow it.
                value: unsafe { Pin::new_unchecked(r) }.take_output(),
            },
            DynCase::Send(s) => Selected::Send {
                index: i,
                // SAFETY: as above.
                result: unsafe { Pin::new_unchecked(s) }.take_output(),
            },
        }
    }
}

impl<T> Future for SelectFuture<'_, T> {
    type Output = Selected<T>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Selected<T>> {
        // SAFETY: `state` stays in place (we never move out of the pinned
        // future); the cases are pinned in their own boxes.
        let this = unsafe { self.get_unchecked_mut() };
        match poll_select(&this.state, &mut this.cases, false, cx) {
            Poll::Ready(Some(i)) => Poll::Ready(this.output(i)),
            Poll::Ready(None) => unreachable!("goro: select without default chose default"),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for SelectFuture<'_, T> {
    fn drop(&mut self) {
        cancel_select(&self.state, &mut self.cases);
    }
}

impl<T> std::fmt::Debug for SelectFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectFuture")
            .field("cases", &self.cases.len())
            .finish()
    }
}

impl<T> std::fmt::Debug for Select<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("cases", &self.cases.len())
            .finish()
    }
}
