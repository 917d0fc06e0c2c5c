//! Errors of channel operations. Every error that concerns a value hands the value
//! back: nothing sent is ever silently dropped by an error path.

use std::fmt;

/// The error of [`Sender::send`](crate::chan::Sender::send) and
/// [`Sender::send_blocking`](crate::chan::Sender::send_blocking): the channel is
/// closed (or every [`Receiver`](crate::chan::Receiver) is gone). The value that
/// could not be sent is returned in `.0`.
///
/// Go panics on a send to a closed channel; goro returns the value instead.
///
/// ```
/// let (tx, rx) = goro::chan::<i32>(1);
/// tx.close();
/// let err = tx.try_send(7).unwrap_err();
/// assert_eq!(err.into_inner(), 7);
/// # drop(rx);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// Returns the value that could not be sent.
    ///
    /// ```
    /// let (tx, rx) = goro::chan::<&str>(0);
    /// drop(rx);
    /// assert_eq!(tx.send_blocking("hi").unwrap_err().into_inner(), "hi");
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("send on closed channel")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// The error of [`Sender::try_send`](crate::chan::Sender::try_send). Both variants
/// return the value.
///
/// ```
/// use goro::chan::TrySendError;
/// let (tx, _rx) = goro::chan::<i32>(1);
/// assert!(tx.try_send(1).is_ok());
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// tx.close();
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The buffer is full, or (unbuffered channel) no receiver is waiting.
    Full(T),
    /// The channel is closed, or every receiver is gone.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// Returns the value that could not be sent.
    ///
    /// ```
    /// let (tx, _rx) = goro::chan::<i32>(0);
    /// assert_eq!(tx.try_send(5).unwrap_err().into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// `true` for [`TrySendError::Full`].
    ///
    /// ```
    /// let (tx, _rx) = goro::chan::<i32>(0);
    /// assert!(tx.try_send(5).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// `true` for [`TrySendError::Closed`].
    ///
    /// ```
    /// let (tx, rx) = goro::chan::<i32>(0);
    /// drop(rx);
    /// assert!(tx.try_send(5).unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("channel full (no receiver ready)"),
            TrySendError::Closed(_) => f.write_str("send on closed channel"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(e: SendError<T>) -> Self {
        TrySendError::Closed(e.0)
    }
}

/// The error of [`Receiver::try_recv`](crate::chan::Receiver::try_recv).
///
/// ```
/// use goro::chan::TryRecvError;
/// let (tx, rx) = goro::chan::<i32>(1);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// tx.try_send(1).unwrap();
/// tx.close();
/// assert_eq!(rx.try_recv(), Ok(1)); // drained after close
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryRecvError {
    /// Nothing to receive now (buffer empty and no sender waiting).
    Empty,
    /// The channel is closed and drained.
    Closed,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed and drained"),
        }
    }
}

impl std::error::Error for TryRecvError {}
