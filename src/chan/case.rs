//! How an operation is a case of a `select`: the interface through which the select
//! engine (`crate::select`) drives a channel operation (and, in `select`, a future).
//!
//! A select owns one commit slot ([`Ctx`]) for all its cases. While it owns the slot
//! it tries each case ([`Branch::try_branch`]); a case that is not ready may be
//! queued on its channel, pointing at the shared slot, and a partner that commits it
//! later leaves the output in the case ([`Branch::committed`], then
//! [`TakeOutput::take_output`]). When a select has to decide at one instant it locks
//! every case's channel ([`Branch::chan_lock`]) and tries them again under the locks
//! ([`Branch::try_locked`], [`Branch::register_locked`]).
//!
//! The traits live here, beside the operations that implement them, so that the
//! channel module does not import from the select module above it.

use std::pin::Pin;
use std::task::{Context, Waker};

use super::lock::RawLock;
use super::waiter::Ctx;

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
