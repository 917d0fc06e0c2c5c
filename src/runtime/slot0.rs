//! Who runs worker 0 of a runtime, and how it changes hands.
//!
//! Worker 0 is the worker that polls the main goroutine: the thread in
//! `run`/`block_on` runs it while it waits (Go's main thread on P0). A runtime that
//! must run goroutines with nobody in `block_on` (one built by `Builder::build` with
//! a single worker, and the global runtime) also has a *stand-in* thread for it.
//!
//! Protocol (one mutex, one condvar; nothing here is on a hot path):
//! - `block_on` takes worker 0 if it is free. If the stand-in has it, the caller
//!   counts itself in `wanted`, raises `slot0_wanted` and unparks worker 0; the
//!   stand-in sees the flag at its next scheduler tick or before it parks (so after
//!   its current poll), hands its queued goroutines to the injector, frees worker 0
//!   and notifies. If another `block_on` caller has it, the new caller polls its
//!   future on its own thread instead (no deadlock detection for that one).
//! - The stand-in takes worker 0 back only when it is free and nobody wants it, and
//!   leaves for good at shutdown (checked under the mutex, which `begin_shutdown`
//!   takes before it notifies).
//! - The invariant: at most one thread runs worker 0 at a time, and whenever a
//!   stand-in exists and no caller holds worker 0, the stand-in runs it (so a
//!   goroutine queued on worker 0 or in the injector is never stranded).
//!
//! This file holds the state; the protocol's code is the worker's (`worker::stand_in`).

/// Who runs worker 0 of a runtime: nobody, a `block_on` caller (with its main
/// goroutine), or the runtime's stand-in thread (single-worker runtimes from
/// `Builder::build` and the global runtime), which steps aside when a `block_on`
/// caller wants worker 0.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Slot0Owner {
    #[default]
    Free,
    Caller,
    StandIn,
}

#[derive(Default, Debug)]
pub(crate) struct Slot0State {
    pub(crate) owner: Slot0Owner,
    /// `block_on` callers waiting for the stand-in to step aside.
    pub(crate) wanted: usize,
}
