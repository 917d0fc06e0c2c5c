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
//!    its channel (once), pointing at the shared slot, as it goes, except the
//!    first case it tries: that one is queued (tried once more under its lock,
//!    and taken if ready now) only when no case was ready. So a select whose
//!    first or second case is ready unqueues nothing.
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
//! cases cost one lock round trip per case tried (a quiet park one more). The
//! slot's `POLLING` state is what lets a select include arbitrary futures, which
//! Go's cannot. A select is an ordinary future: it works on any executor.

mod cases;
mod dynamic;
mod engine;
mod macros;
mod order;
mod rng;

pub use dynamic::{Select, SelectFuture, Selected};

/// Internals used by the `select!` macro. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use super::cases::{
        CaseArray, FutBranch, IntoCases, SelectFut, ViaChan, ViaFuture, Wrap, take_output,
    };
    pub use super::engine::Cases;
    pub use crate::chan::case::{Branch, TakeOutput};
    pub use crate::chan::lock::RawLock;
    pub use crate::chan::waiter::Ctx;
    pub use std::task::Waker;
}
