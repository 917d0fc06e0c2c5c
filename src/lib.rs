//! goro: Go's concurrency model for async Rust.
//!
//! (Crate docs are being written; see README.md.)

#![warn(missing_docs)]

pub mod atomic;
pub mod chan;
pub mod context;
#[cfg(feature = "net")]
pub mod net;
pub mod runtime;
pub mod select;
pub mod sync;
pub mod time;

pub use chan::{
    chan, Receiver, RecvFuture, SendError, SendFuture, Sender, TryRecvError, TrySendError,
};
pub use runtime::{
    go, num_goroutines, run, unblock, yield_now, Builder, JoinError, JoinHandle, Runtime,
};
pub use select::{Select, SelectFuture, Selected};
