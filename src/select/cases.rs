//! The runtime side of `select!`: the future case ([`FutBranch`]), the disabled
//! case (`Option<B>`), the autoref dispatch that makes a case expression a channel
//! case or a future case ([`Wrap`], [`ViaChan`], [`ViaFuture`]), the array of pinned
//! cases (a [`Cases`]) and the future that a `select!` awaits ([`SelectFut`]). The
//! macro reaches them through `select::__private`.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::engine::{Cases, SelectState, cancel_select, poll_select};
use crate::chan::case::{Branch, TakeOutput};
use crate::chan::lock::RawLock;
use crate::chan::waiter::Ctx;
use crate::chan::{Receiver, RecvFuture, SendFuture};

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

impl<T> ViaChan for Wrap<crate::chan::OwnedRecvFuture<T>> {
    type Case = crate::chan::OwnedRecvFuture<T>;
    #[inline]
    fn __goro_case(&mut self) -> Self::Case {
        take(&mut self.0)
    }
}

impl<T> ViaChan for Wrap<Receiver<T>> {
    type Case = crate::chan::OwnedRecvFuture<T>;
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
/// (default). `C` is an array of the pinned cases.
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

/// The cases of a `select!`: pointers to the pinned cases, in an array, so that
/// case `i` is one indexed load, not a branch on `i` (pass 1 tries the cases in a
/// random order, so a `match` on the index would be mispredicted about every
/// time). `T` is the tuple of pinned borrows it was made from: it carries their
/// lifetime and makes the array `Send`/`Sync` exactly when they are.
pub struct CaseArray<'a, T, const N: usize> {
    ptrs: [NonNull<dyn Branch + 'a>; N],
    _borrows: PhantomData<T>,
}

// SAFETY: the array stands for the exclusive borrows in `T` (consumed when it was
// made), so sending it sends them.
unsafe impl<T: Send, const N: usize> Send for CaseArray<'_, T, N> {}
// SAFETY: as above: sharing it shares them (and `case` needs `&mut self`).
unsafe impl<T: Sync, const N: usize> Sync for CaseArray<'_, T, N> {}

impl<T, const N: usize> Cases for CaseArray<'_, T, N> {
    #[inline]
    fn len(&self) -> usize {
        N
    }
    #[inline]
    fn case(&mut self, i: usize) -> Pin<&mut dyn Branch> {
        // SAFETY: `ptrs[i]` comes from a pinned exclusive borrow (`Pin<&'a mut B>`)
        // that this array took over for `'a` (see `IntoCases`); `&mut self` makes
        // this the only use of it now, and it is handed out pinned again.
        unsafe { Pin::new_unchecked(&mut *self.ptrs[i].as_ptr()) }
    }
}

/// A tuple of pinned cases (what `select!` builds) turned into a [`CaseArray`].
pub trait IntoCases {
    /// The array.
    type Cases: Cases;
    /// Makes the array (the borrows move into it).
    fn into_cases(self) -> Self::Cases;
}

macro_rules! tuple_cases {
    ($len:literal: $($idx:tt $B:ident),*) => {
        impl<'a, $($B: Branch + 'a),*> IntoCases for ($(Pin<&'a mut $B>,)*) {
            type Cases = CaseArray<'a, Self, $len>;
            #[inline]
            #[allow(unused_variables)]
            fn into_cases(self) -> Self::Cases {
                CaseArray {
                    // SAFETY: the pointers are only ever turned back into pinned
                    // references (`CaseArray::case`): nothing is moved out.
                    ptrs: [$(NonNull::from(unsafe { self.$idx.get_unchecked_mut() }) as NonNull<dyn Branch + 'a>,)*],
                    _borrows: PhantomData,
                }
            }
        }
    };
}
impl IntoCases for () {
    type Cases = CaseArray<'static, (), 0>;
    #[inline]
    fn into_cases(self) -> Self::Cases {
        CaseArray {
            ptrs: [],
            _borrows: PhantomData,
        }
    }
}
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
