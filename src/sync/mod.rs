//! Synchronisation primitives: Go's `sync` package (and `golang.org/x/sync`'s
//! `errgroup` and `semaphore`), awaitable.
//!
//! | goro | Go |
//! |------|----|
//! | [`WaitGroup`] | `sync.WaitGroup` |
//! | [`Mutex`] | `sync.Mutex` |
//! | [`RwMutex`] | `sync.RWMutex` |
//!
//! Every primitive is executor-agnostic: waiting is done with plain [`Waker`]s through
//! [`event_listener`], so the futures work under any executor (goro's, tokio's,
//! `futures_lite::future::block_on`), and each blocking operation has a `_blocking`
//! form for plain threads. Hot paths (an uncontended lock or unlock, `WaitGroup::done`)
//! are one atomic operation and never allocate.
//!
//! [`Waker`]: std::task::Waker

mod mutex;
mod rwmutex;
mod shim;
mod waitgroup;

pub use mutex::{Lock, Mutex, MutexGuard};
pub use rwmutex::{Read, RwMutex, RwMutexReadGuard, RwMutexWriteGuard, Write};
pub use waitgroup::{Wait, WaitGroup};
