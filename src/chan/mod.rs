//! Go's channels: typed, multi-producer multi-consumer queues that goroutines use to
//! hand values to each other, buffered or unbuffered, closable, and selectable with
//! [`select!`](crate::select!) and [`Select`](crate::Select).
//!
//! ```
//! goro::run(async {
//!     let (tx, rx) = goro::chan::<u32>(0); // unbuffered, like `make(chan uint32)`
//!     let producer = goro::go(async move {
//!         for i in 0..3 {
//!             tx.send(i).await.unwrap();
//!         }
//!         // dropping the last Sender closes the channel
//!     });
//!     let mut got = vec![];
//!     while let Some(v) = rx.recv().await {
//!         got.push(v);
//!     }
//!     assert_eq!(got, [0, 1, 2]);
//!     producer.await.unwrap();
//! });
//! ```
//!
//! # Algorithm (mirrors Go's runtime/chan.go)
//!
//! A channel is one mutex over a ring buffer of capacity `cap`, a `closed` flag and
//! two FIFO wait queues of parked operations (`recvq`, `sendq`). A send first hands
//! its value directly to the first waiting receiver (an unbuffered send completes
//! exactly when a receiver has taken the value), else appends it to the buffer if
//! there is room, else parks in `sendq`. A receive takes from the buffer and refills
//! the freed slot from the first waiting sender, else takes directly from a waiting
//! sender, else reports closed (only once the buffer is drained), else parks in
//! `recvq`. Wakers are woken after the lock is released. The wait-queue nodes live
//! inside the pinned `recv()`/`send()` futures (Go's `sudog`s), so neither an
//! operation nor a wait allocates (the buffer is allocated once, at `chan`; the
//! `Stream` implementation allocates its node once per `Receiver`; `close` collects
//! the wakers of the parked operations in a `Vec`); a parked `recv()` of a
//! `Receiver<()>` is 64 bytes.
//!
//! Every parked operation has a commit slot (one atomic word, Go's
//! `g.selectDone`); a partner must win it, with a CAS, before it moves a value, so
//! an operation commits at most once even when it is one case of a `select`
//! parked on many channels. See `select` for how a select owns its slot while it
//! polls.
//!
//! # Differences from Go
//!
//! * Sending on a closed channel returns the value in an error
//!   ([`SendError`], [`TrySendError::Closed`]) instead of panicking; so does
//!   closing twice (`close` returns `false`) instead of panicking.
//! * Dropping the last [`Sender`] closes the channel (Go has no destructors);
//!   dropping the last [`Receiver`] closes it too, so that senders fail instead of
//!   blocking forever, and drops the buffered values.
//! * Operations are futures, and a future can be dropped while it waits
//!   (cancellation, which Go does not have). A dropped `recv()`/`send()`/select
//!   that had not been committed has no effect. One race is unavoidable: a partner
//!   may commit an operation just before its future is dropped. A committed send
//!   has then delivered its value (as if it had completed); a committed receive
//!   puts the value back at the front of the channel (to the next waiting receiver,
//!   else the buffer, which may then briefly hold `cap + 1` values), so no value is
//!   ever lost.
//! * There is no nil channel; a disabled `select!` case (`, if false`) plays its
//!   role.
//!
//! All flavors are one internal type today; a timer-backed receiver (for
//! `time::after`) can be added as an internal variant without changing the public
//! types.

pub(crate) mod case;
mod errors;
pub(crate) mod hchan;
pub(crate) mod lock;
mod op;
pub(crate) mod waiter;

#[cfg(all(test, loom))]
mod loom_tests;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use errors::{SendError, TryRecvError, TrySendError};
pub use op::{OwnedRecvFuture, RecvFuture, SendFuture};

use hchan::{COUNT_ORD, Chan, RecvStep, SendStep, wake};
use op::OpCore;

/// Creates a channel of capacity `cap`: `0` is unbuffered (a send completes only
/// when a receiver takes the value), `cap > 0` buffers up to `cap` values. Go's
/// `make(chan T, cap)`.
///
/// ```
/// let (tx, rx) = goro::chan::<i32>(2);
/// tx.try_send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert!(tx.try_send(3).is_err()); // full
/// assert_eq!((rx.len(), rx.cap()), (2, 2));
/// ```
pub fn chan<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let c = Arc::new(Chan::new(cap));
    (
        Sender { chan: c.clone() },
        Receiver {
            chan: c,
            stream: None,
        },
    )
}

/// A channel with no `Sender` handle, fed by a timer (`time::after`, `Timer`,
/// `Ticker`): its one sender count belongs to the timer, so it never closes from
/// the sending side, as Go's timer channels never do.
pub(crate) fn timer_chan<T>() -> (Arc<Chan<T>>, Receiver<T>) {
    let c = Arc::new(Chan::for_timer());
    (
        c.clone(),
        Receiver {
            chan: c,
            stream: None,
        },
    )
}

/// The sending half of a channel. `Clone` it for more producers; the channel is
/// closed when [`close`](Sender::close) is called or the last `Sender` is dropped.
///
/// ```
/// goro::run(async {
///     let (tx, rx) = goro::chan(4);
///     let tx2 = tx.clone();
///     tx.send(1).await.unwrap();
///     tx2.send(2).await.unwrap();
///     drop((tx, tx2)); // closes
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, Some(2));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// The receiving half of a channel. `Clone` it for more consumers. It is a
/// [`futures_core::Stream`] (Go's `for v := range ch`).
///
/// ```
/// use futures_lite::StreamExt;
/// goro::run(async {
///     let (tx, mut rx) = goro::chan(3);
///     for i in 1..=3 {
///         tx.send(i).await.unwrap();
///     }
///     tx.close();
///     let mut sum = 0;
///     while let Some(v) = rx.next().await {
///         sum += v;
///     }
///     assert_eq!(sum, 6);
/// });
/// ```
pub struct Receiver<T> {
    pub(crate) chan: Arc<Chan<T>>,
    /// The parked receive of the `Stream` implementation, allocated on first use
    /// and reused.
    stream: Option<Pin<Box<OpCore<T>>>>,
}

impl<T> Sender<T> {
    /// Sends `v`, waiting while the buffer is full (or, unbuffered, until a
    /// receiver takes it). Fails, returning the value, if the channel is closed or
    /// every receiver is gone. Go's `ch <- v`.
    ///
    /// ```
    /// goro::run(async {
    ///     let (tx, rx) = goro::chan(0);
    ///     let h = goro::go(async move { rx.recv().await });
    ///     tx.send(5).await.unwrap(); // returns once the goroutine took it
    ///     assert_eq!(h.await.unwrap(), Some(5));
    /// });
    /// ```
    #[inline]
    pub fn send(&self, v: T) -> SendFuture<'_, T> {
        SendFuture::new(&self.chan, v)
    }

    /// Sends without waiting: fails with [`TrySendError::Full`] if the buffer is
    /// full (unbuffered: no receiver is waiting), [`TrySendError::Closed`] if
    /// closed. Go's `select { case ch <- v: default: }`.
    ///
    /// ```
    /// let (tx, rx) = goro::chan(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert!(tx.try_send(2).unwrap_err().is_full());
    /// # drop(rx);
    /// ```
    #[track_caller]
    pub fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        self.chan.check_bubble();
        let mut g = self.chan.lock();
        match g.try_send(v, self.chan.cap, std::ptr::null()) {
            SendStep::Sent(w) => {
                drop(g);
                wake(w);
                Ok(())
            }
            SendStep::Full(v) => Err(TrySendError::Full(v)),
            SendStep::Closed(v) => Err(TrySendError::Closed(v)),
        }
    }

    /// Sends, blocking the thread: for code outside the runtime (never call it
    /// from a goroutine: it would block a worker thread).
    ///
    /// ```
    /// let (tx, rx) = goro::chan(1);
    /// tx.send_blocking(1).unwrap();
    /// assert_eq!(rx.recv_blocking(), Some(1));
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it would block
    /// the worker: use [`send`](Self::send)`(v).await` there. Plain threads and
    /// [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn send_blocking(&self, v: T) -> Result<(), SendError<T>> {
        crate::runtime::deadlock::blocking("Sender::send_blocking", "tx.send(v).await", || {
            futures_lite::future::block_on(self.send(v))
        })
    }

    /// Closes the channel: parked and future sends fail, receivers drain the
    /// buffer and then get `None`. Returns `false` if it was already closed (Go
    /// panics instead).
    ///
    /// ```
    /// let (tx, rx) = goro::chan::<i32>(0);
    /// assert!(tx.close());
    /// assert!(!tx.close());
    /// assert_eq!(rx.recv_blocking(), None);
    /// ```
    #[track_caller]
    pub fn close(&self) -> bool {
        self.chan.check_bubble();
        self.chan.close()
    }

    /// The number of values in the buffer. Go's `len(ch)`.
    ///
    /// ```
    /// let (tx, _rx) = goro::chan(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// `true` if the buffer holds no value.
    ///
    /// ```
    /// let (tx, _rx) = goro::chan::<()>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity. Go's `cap(ch)`.
    ///
    /// ```
    /// let (tx, _rx) = goro::chan::<()>(4);
    /// assert_eq!(tx.cap(), 4);
    /// ```
    pub fn cap(&self) -> usize {
        self.chan.cap
    }

    /// `true` once the channel is closed (by `close`, the last `Sender` or the
    /// last `Receiver` going away).
    ///
    /// ```
    /// let (tx, rx) = goro::chan::<()>(0);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

impl<T> Receiver<T> {
    /// Receives a value, waiting until one is available; `None` once the channel
    /// is closed and drained (Go's `v, ok := <-ch` with `ok == false`).
    ///
    /// ```
    /// goro::run(async {
    ///     let (tx, rx) = goro::chan(1);
    ///     tx.send(1).await.unwrap();
    ///     tx.close();
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    #[inline]
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture::new(&self.chan)
    }

    /// Receives without waiting.
    ///
    /// ```
    /// use goro::chan::TryRecvError;
    /// let (tx, rx) = goro::chan(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.try_send(9).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(9));
    /// ```
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.check_bubble();
        let mut g = self.chan.lock();
        match g.try_recv(self.chan.cap, std::ptr::null()) {
            RecvStep::Got(v, w) => {
                drop(g);
                wake(w);
                Ok(v)
            }
            RecvStep::Empty => Err(TryRecvError::Empty),
            RecvStep::Closed => Err(TryRecvError::Closed),
        }
    }

    /// Receives, blocking the thread: for code outside the runtime.
    ///
    /// ```
    /// let (tx, rx) = goro::chan(0);
    /// let t = std::thread::spawn(move || tx.send_blocking(4));
    /// assert_eq!(rx.recv_blocking(), Some(4));
    /// t.join().unwrap().unwrap();
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it would block
    /// the worker: use [`recv`](Self::recv)`().await` there. Plain threads and
    /// [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn recv_blocking(&self) -> Option<T> {
        crate::runtime::deadlock::blocking("Receiver::recv_blocking", "rx.recv().await", || {
            futures_lite::future::block_on(self.recv())
        })
    }

    /// Turns the receiver into a receive future that owns it. The receiver is
    /// dropped when the future is: if it was the last one, the channel closes for
    /// the senders (their sends fail) once the value has been received. This is why
    /// `Receiver` is not `IntoFuture`: a bare `rx.await` would do the same silently.
    ///
    /// ```compile_fail,E0277
    /// // `rx.await` does not compile: receive with `recv()`, which borrows.
    /// goro::run(async {
    ///     let (_tx, rx) = goro::chan::<u32>(1);
    ///     let _ = rx.await;
    /// });
    /// ```
    ///
    /// ```
    /// let (tx, rx) = goro::chan(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(futures_lite::future::block_on(rx.into_recv()), Some(1));
    /// ```
    pub fn into_recv(self) -> OwnedRecvFuture<T> {
        OwnedRecvFuture::new(self)
    }

    /// The number of values in the buffer.
    ///
    /// ```
    /// let (tx, rx) = goro::chan(2);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// `true` if the buffer holds no value.
    ///
    /// ```
    /// let (_tx, rx) = goro::chan::<()>(2);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity.
    ///
    /// ```
    /// let (_tx, rx) = goro::chan::<()>(0);
    /// assert_eq!(rx.cap(), 0);
    /// ```
    pub fn cap(&self) -> usize {
        self.chan.cap
    }

    /// `true` once the channel is closed (values may still be buffered).
    ///
    /// ```
    /// let (tx, rx) = goro::chan(1);
    /// tx.try_send(1).unwrap();
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }
}

impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let core = this
            .stream
            .get_or_insert_with(|| Box::pin(OpCore::new(None)));
        if core.is_finished() {
            core.reset();
        }
        core.as_ref().get_ref().poll_recv(&this.chan, cx)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.fetch_add(1, COUNT_ORD);
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.receivers.fetch_add(1, COUNT_ORD);
        Receiver {
            chan: self.chan.clone(),
            stream: None,
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.chan.senders.fetch_sub(1, COUNT_ORD) == 1 {
            self.chan.close();
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(core) = self.stream.take() {
            core.cancel(&self.chan, true);
        }
        if self.chan.receivers.fetch_sub(1, COUNT_ORD) == 1 {
            self.chan.disconnect_receivers();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("len", &self.len())
            .field("cap", &self.cap())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .field("cap", &self.cap())
            .field("closed", &self.is_closed())
            .finish()
    }
}
