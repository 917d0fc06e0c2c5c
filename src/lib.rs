//! goro: Go's concurrency model for async Rust, without tokio.
//!
//! A goroutine is a stackless future: [`go`] spawns it onto a multi-threaded
//! work-stealing executor, and [`run`] is Go's `main`. Go's channels ([`chan()`]),
//! `select` ([`select!`]), `sync` ([`sync`]), `sync/atomic` ([`atomic`]), `time`
//! ([`time`]) and `context` ([`context`]) are awaitable types, and [`net`] lets
//! services run on goro alone.
//!
//! ```
//! use goro::sync::WaitGroup;
//!
//! goro::run(async {
//!     let wg = WaitGroup::new();
//!     let (tx, rx) = goro::chan::<u32>(0); // unbuffered, like `make(chan uint32)`
//!     for i in 1..=3 {
//!         let tx = tx.clone();
//!         wg.go(async move { tx.send(i * i).await.unwrap() });
//!     }
//!     drop(tx);
//!     let mut sum = 0;
//!     while let Some(v) = rx.recv().await {
//!         sum += v; // `for v := range rx` ends when every sender is gone
//!     }
//!     wg.wait().await;
//!     assert_eq!(sum, 14);
//! });
//! ```
//!
//! # Map from Go
//!
//! | Go | goro |
//! |----|------|
//! | `func main()` | [`run`]`(async { .. })` or `#[goro::main]` |
//! | `go f()` | [`go`]`(f())` (returns a [`JoinHandle`]; drop it to detach) |
//! | `runtime.Gosched()`, `runtime.NumGoroutine()` | [`yield_now`], [`num_goroutines`] |
//! | `make(chan T, n)`, `ch <- v`, `<-ch`, `close(ch)` | [`chan()`]`::<T>(n)`, `tx.send(v).await`, `rx.recv().await`, `tx.close()` |
//! | `select { .. }` | [`select!`] (and [`Select`] for a dynamic set) |
//! | `sync.WaitGroup`, `sync.Mutex`, ... | [`sync::WaitGroup`], [`sync::Mutex`], ... |
//! | `time.Sleep`, `time.After` | [`time::sleep`], `time::after` |
//! | `context.WithCancel` | [`context::Context::with_cancel`] |
//! | `testing/synctest`: `synctest.Test`, `synctest.Wait` | [`test::synctest`], [`test::wait`], `#[goro::test(synctest)]` |
//!
//! # Where goro differs from Go, and why
//!
//! - Goroutines are cooperative: a goroutine runs until it awaits. A long computation
//!   should call [`yield_now`] now and then, and blocking calls belong in [`unblock`]
//!   (Go preempts and hands off blocked threads for you).
//! - Sending on a closed channel returns an error holding the value instead of
//!   panicking; closing twice returns `false` instead of panicking: Rust code
//!   handles errors as values.
//! - A panicking goroutine is reported on stderr and its [`JoinHandle`] yields
//!   [`JoinError::Panicked`]; the program keeps running. [`Builder::panic_abort`]
//!   restores Go's crash.
//! - When the main goroutine returns, the others are *dropped* (their destructors
//!   run) rather than vanishing with the process.
//!
//! # Runtime
//!
//! GOMAXPROCS worker threads (the `GOMAXPROCS` environment variable, else all cores)
//! run goroutines from per-worker run queues with a `runnext` slot, steal from each
//! other when idle, and park when there is nothing to do; timers are driven by the
//! workers themselves. See the [`runtime`] module.
//!
//! # Layers
//!
//! Each layer of the crate imports only from the layers below it:
//!
//! ```text
//! net, test     sockets (registered with runtime's reactor); test helpers and
//!               virtual time (synctest)
//! chan, select, sync, time, context, atomic
//!               the primitives (time uses chan, sync's ErrGroup uses context)
//! runtime       scheduler, blocking pool, deadlock detection, synctest bubbles,
//!               runtime::time (timer wheel, driver), runtime::io (epoll reactor);
//!               at its bottom the leaves: wait tracking (the one seam every
//!               primitive declares its waits through) and the cooperative budget
//! loom          std's atomics, locks and cells, or loom's under --cfg loom
//! ```
//!
//! No module imports from a layer above its own, and the import graph has no cycle
//! (a module's `mod.rs` and the files inside it aside). Inside `runtime`, from the
//! bottom: the leaves (wait tracking, budget, parker, run queue, registry, idle
//! protocol, timer wheel, bubble), `shared` (the state workers, goroutines and
//! handles share), deadlock detection and the timer driver, `task` (the goroutine
//! wrapper), `worker` (the scheduler), and `runtime` itself (`go`, `run`, builder).
//!
//! # Guides
//!
//! - [goro for Go programmers](guide::go_programmers): every Go construct mapped
//!   onto goro, the differences, and a worked port of a Go program.
//! - [goro for tokio users](guide::tokio_users): tasks, channels, `select!` and
//!   cancel safety, time, sync, net and hyper, from tokio's vocabulary.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// The crate docs and guides link to `goro::net`, which a build without the `net`
// feature does not have: there those links render as plain text.
#![cfg_attr(not(feature = "net"), allow(rustdoc::broken_intra_doc_links))]
// The SAFETY discipline, enforced: every `unsafe` block says why it is sound, and the
// body of an `unsafe fn` is not one implicit `unsafe` block.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod atomic;
pub mod chan;
pub mod context;
// Documentation only; its doctests need the default features.
#[cfg(any(doc, all(feature = "net", feature = "macros")))]
#[cfg_attr(docsrs, doc(auto_cfg = false))]
pub mod guide;
// The one loom shim: std's atomics, locks and cells, or loom's under `--cfg loom`.
mod loom;
#[cfg(feature = "net")]
pub mod net;
pub mod runtime;
/// The socket-readiness protocol of goro's reactor, checked by loom (the rest of
/// `net` needs the `net` feature, which loom builds leave out).
#[cfg(all(loom, test))]
#[path = "runtime/io/scheduled_io.rs"]
#[allow(dead_code)]
mod scheduled_io_loom;
pub mod select;
pub mod sync;
pub mod test;
pub mod time;

pub use chan::{
    Receiver, RecvFuture, SendError, SendFuture, Sender, TryRecvError, TrySendError, chan,
};
#[cfg(feature = "macros")]
pub use goro_macros::{main, test};
pub use runtime::{
    Builder, JoinError, JoinHandle, Runtime, go, num_goroutines, run, unblock, yield_now,
};
pub use select::{Select, SelectFuture, Selected};
