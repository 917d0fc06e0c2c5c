//! [`Select`]: a select over a set of channel operations built at run time (Go's
//! `reflect.Select`), driven by the same engine as `select!`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::engine::{Cases, SelectState, cancel_select, poll_select};
use crate::chan::case::{Branch, TakeOutput};
use crate::chan::{Receiver, RecvFuture, SendError, SendFuture, Sender};

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
/// for mixed types). Same guarantees as [`select!`](crate::select!): exactly one
/// operation happens, chosen uniformly at random among the ready ones.
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
