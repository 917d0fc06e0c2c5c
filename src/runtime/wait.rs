//! Wait tracking: the one seam through which every goro primitive says what the
//! goroutine being polled waits on.
//!
//! # The seam
//!
//! A goro primitive about to return `Pending` calls [`on`] (or [`poll_on`] around an
//! inner wait, or [`declare`] when the waker is stored elsewhere, as a select's
//! channel cases do). It names a [`Wait`]: what it is ([`WaitKind`], Go's wait
//! reason) and which synctest bubble the primitive belongs to. It gets back the
//! waker to store: the task's own, not the tracking waker the poll runs with. Dumps,
//! deadlock detection (`deadlock`) and virtual time (`bubble`) all read what was
//! declared; no primitive knows about them.
//!
//! # How a poll is tracked
//!
//! Each goroutine poll (and each poll of a main goroutine) runs inside
//! [`tracked_poll`], with a *tracking waker*: a waker that forwards to the task's own
//! waker but notes, in a thread-local, every clone made of it. goro's primitives
//! never clone the waker they are given (they store the one [`on`] returns), so
//! after a poll returns `Pending`:
//!
//! - no clone was made: only goro primitives can wake the goroutine (or nothing can,
//!   as for `std::future::pending()`, Go's `select {}`); the last declared kind is
//!   what it waits on;
//! - a clone was made: something goro cannot see into (a socket, a foreign channel,
//!   another executor's timer) holds the waker: the goroutine is *foreign*.
//!
//! A poll is *durable* (Go's "durably blocked", what virtual time waits for) when no
//! clone was made and every wait declared during it is durable: its kind can only
//! end by another goroutine of the same bubble or by the bubble's clock
//! ([`WaitKind::can_be_durable`]), and its primitive belongs to the bubble of the
//! goroutine being polled. Outside a bubble nothing is durable, and the check costs
//! nothing: the bubble of the poll is a field of the same thread-local.
//!
//! Invariant: the declared waits of one poll are exactly the registrations it left
//! behind, so a primitive declares only when it really parks (after it found itself
//! not ready), never speculatively.

use std::cell::Cell;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// What a goroutine waits on (Go's wait reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum WaitKind {
    /// Returned `Pending` and registered nowhere: waits forever (Go's `select {}`).
    Nothing = 0,
    ChanRecv,
    ChanSend,
    Select,
    Group,
    Mutex,
    RwRead,
    RwWrite,
    Semaphore,
    Once,
    Context,
    Join,
    Sleep,
    Unblock,
    /// `goro::test::wait`: for the rest of the bubble to block.
    SyncWait,
}

pub(crate) const WAITS: [WaitKind; 15] = [
    WaitKind::Nothing,
    WaitKind::ChanRecv,
    WaitKind::ChanSend,
    WaitKind::Select,
    WaitKind::Group,
    WaitKind::Mutex,
    WaitKind::RwRead,
    WaitKind::RwWrite,
    WaitKind::Semaphore,
    WaitKind::Once,
    WaitKind::Context,
    WaitKind::Join,
    WaitKind::Sleep,
    WaitKind::Unblock,
    WaitKind::SyncWait,
];

impl WaitKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            WaitKind::Nothing => "select (no cases)",
            WaitKind::ChanRecv => "chan receive",
            WaitKind::ChanSend => "chan send",
            WaitKind::Select => "select",
            WaitKind::Group => "sync.WaitGroup.Wait",
            WaitKind::Mutex => "sync.Mutex.Lock",
            WaitKind::RwRead => "sync.RWMutex.RLock",
            WaitKind::RwWrite => "sync.RWMutex.Lock",
            WaitKind::Semaphore => "semacquire",
            WaitKind::Once => "sync.Once.Do",
            WaitKind::Context => "context.Done",
            WaitKind::Join => "JoinHandle.await",
            WaitKind::Sleep => "sleep",
            WaitKind::Unblock => "unblock",
            WaitKind::SyncWait => "synctest.Wait",
        }
    }

    /// Whether a wait of this kind can be durable (see the module docs). Locks and
    /// semaphores cannot: goro's are `const`-constructible statics shared with code
    /// outside any bubble, so a bubble cannot know who will release them (Go's
    /// `sync.Mutex` is not durable either). `Once` waits for an initializer that may
    /// run outside the bubble; `unblock` waits for a thread.
    pub(crate) fn can_be_durable(self) -> bool {
        !matches!(
            self,
            WaitKind::Mutex
                | WaitKind::RwRead
                | WaitKind::RwWrite
                | WaitKind::Semaphore
                | WaitKind::Once
                | WaitKind::Unblock
        )
    }
}

/// The bubble a primitive belongs to: a bubble id, or one of these.
pub(crate) const NO_BUBBLE: u64 = 0;
/// Belongs to whichever bubble polls it (a timer armed by the poll itself).
pub(crate) const THIS_BUBBLE: u64 = u64::MAX;

/// A declared wait: its kind and the bubble of the primitive waited on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wait {
    kind: WaitKind,
    bubble: u64,
}

impl Wait {
    /// A wait on a primitive made in `bubble` (`NO_BUBBLE` if made outside any).
    pub(crate) const fn new(kind: WaitKind, bubble: u64) -> Wait {
        Wait { kind, bubble }
    }

    /// A wait that is never durable (locks, threads).
    pub(crate) const fn plain(kind: WaitKind) -> Wait {
        Wait {
            kind,
            bubble: NO_BUBBLE,
        }
    }
}

#[derive(Clone, Copy)]
struct Track {
    active: bool,
    cloned: bool,
    /// A wait declared in this poll was not durable.
    not_durable: bool,
    wait: u8,
    /// The bubble of the goroutine being polled (`NO_BUBBLE` outside one).
    bubble: u64,
}

const IDLE: Track = Track {
    active: false,
    cloned: false,
    not_durable: false,
    wait: 0,
    bubble: NO_BUBBLE,
};

thread_local! {
    static TRACK: Cell<Track> = const { Cell::new(IDLE) };
}

/// Declares that the goroutine being polled waits on `w` (its primitive is about to
/// return `Pending`, its waker already stored).
#[inline]
pub(crate) fn declare(w: Wait) {
    let _ = TRACK.try_with(|t| {
        let mut v = t.get();
        if v.active {
            v.wait = w.kind as u8;
            let durable = w.kind.can_be_durable()
                && v.bubble != NO_BUBBLE
                && (w.bubble == v.bubble || w.bubble == THIS_BUBBLE);
            v.not_durable |= !durable;
            t.set(v);
        }
    });
}

/// Declares `w` and returns the waker the primitive must store: the task's own
/// behind the tracking waker (so the registration does not count as foreign).
#[inline]
pub(crate) fn on<'a>(cx: &'a Context<'_>, w: Wait) -> &'a Waker {
    declare(w);
    own_waker(cx.waker())
}

/// Polls a primitive's inner wait (an event listener, a timer) with the task's own
/// waker, and declares `w` if it is pending.
#[inline]
pub(crate) fn poll_on<R>(
    cx: &mut Context<'_>,
    w: Wait,
    f: impl FnOnce(&mut Context<'_>) -> Poll<R>,
) -> Poll<R> {
    let mut inner = Context::from_waker(own_waker(cx.waker()));
    let r = f(&mut inner);
    if r.is_pending() {
        declare(w);
    }
    r
}

/// The bubble of the goroutine being polled on this thread (`NO_BUBBLE` if none).
#[inline]
pub(crate) fn polling_bubble() -> u64 {
    TRACK.try_with(|t| t.get().bubble).unwrap_or(NO_BUBBLE)
}

/// The task's own waker behind a tracking waker.
fn own_waker(w: &Waker) -> &Waker {
    if std::ptr::eq(w.vtable(), &VTABLE) {
        // SAFETY: a waker with our vtable is only ever made by `tracked_poll`, whose
        // data pointer is the `&Waker` it wraps, alive for the whole poll; `w`'s
        // borrow cannot outlive that poll, so neither can the returned reference.
        unsafe { &*(w.data() as *const Waker) }
    } else {
        w
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(vt_clone, vt_wake, vt_wake, vt_drop);

/// SAFETY (all four): `data` is the `&Waker` given to `tracked_poll`, valid while
/// the tracking waker can be used (it is only lent, never owned, so `wake`
/// and `drop` never run on an owned copy; clones are the inner waker's own).
unsafe fn vt_clone(data: *const ()) -> RawWaker {
    // SAFETY: see above.
    let inner = unsafe { &*(data as *const Waker) };
    let _ = TRACK.try_with(|t| {
        let mut v = t.get();
        v.cloned = true;
        t.set(v);
    });
    let w = std::mem::ManuallyDrop::new(inner.clone());
    RawWaker::new(w.data(), w.vtable())
}

unsafe fn vt_wake(data: *const ()) {
    // SAFETY: see above.
    unsafe { &*(data as *const Waker) }.wake_by_ref();
}

unsafe fn vt_drop(_: *const ()) {}

/// What a tracked poll that returned `Pending` left the goroutine waiting on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parked {
    /// `None`: something foreign holds its waker.
    pub(crate) wait: Option<WaitKind>,
    /// Durably blocked in its bubble (see the module docs).
    pub(crate) durable: bool,
}

/// Polls `f` with a tracking waker, as a goroutine of `bubble`; returns its result
/// and what the goroutine was left waiting on (meaningful on `Pending`).
pub(crate) fn tracked_poll<R>(
    cx: &mut Context<'_>,
    bubble: u64,
    f: impl FnOnce(&mut Context<'_>) -> Poll<R>,
) -> (Poll<R>, Parked) {
    let inner: &Waker = cx.waker();
    // SAFETY: the vtable's functions only dereference `data` as the `&Waker` we pass,
    // which outlives `tracking` (dropped at the end of this function); see `VTABLE`.
    let tracking =
        unsafe { Waker::from_raw(RawWaker::new(inner as *const Waker as *const (), &VTABLE)) };
    let mut cx2 = Context::from_waker(&tracking);
    let prev = TRACK.replace(Track {
        active: true,
        bubble,
        ..IDLE
    });
    let r = f(&mut cx2);
    let t = TRACK.replace(prev);
    let parked = Parked {
        wait: (!t.cloned).then(|| WAITS[t.wait as usize % WAITS.len()]),
        durable: bubble != NO_BUBBLE && !t.cloned && !t.not_durable,
    };
    (r, parked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_sees_clones_and_declarations() {
        let w = Waker::noop();
        let mut cx = Context::from_waker(w);
        let (_, p) = tracked_poll(&mut cx, NO_BUBBLE, |cx| {
            let _ = on(cx, Wait::new(WaitKind::ChanRecv, NO_BUBBLE)).clone(); // not counted
            Poll::<()>::Pending
        });
        assert_eq!(p.wait, Some(WaitKind::ChanRecv));
        assert!(!p.durable, "nothing is durable outside a bubble");
        let (_, p) = tracked_poll(&mut cx, NO_BUBBLE, |cx| {
            let stored = cx.waker().clone(); // a foreign future's way
            stored.wake_by_ref();
            Poll::<()>::Pending
        });
        assert_eq!(p.wait, None);
        let (_, p) = tracked_poll(&mut cx, NO_BUBBLE, |cx| {
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        });
        assert_eq!(p.wait, Some(WaitKind::Nothing));
    }

    #[test]
    fn durability_needs_every_wait_of_the_bubble() {
        let w = Waker::noop();
        let mut cx = Context::from_waker(w);
        let (_, p) = tracked_poll(&mut cx, 7, |cx| {
            let _ = on(cx, Wait::new(WaitKind::ChanRecv, 7));
            declare(Wait::new(WaitKind::Sleep, THIS_BUBBLE));
            Poll::<()>::Pending
        });
        assert!(p.durable);
        let (_, p) = tracked_poll(&mut cx, 7, |_| Poll::<()>::Pending);
        assert!(p.durable, "select {{}} is durable");
        let (_, p) = tracked_poll(&mut cx, 7, |cx| {
            let _ = on(cx, Wait::new(WaitKind::ChanRecv, 7));
            declare(Wait::new(WaitKind::ChanRecv, NO_BUBBLE)); // made outside
            Poll::<()>::Pending
        });
        assert!(!p.durable);
        let (_, p) = tracked_poll(&mut cx, 7, |_| {
            declare(Wait::new(WaitKind::Mutex, 7));
            Poll::<()>::Pending
        });
        assert!(!p.durable, "a lock never is");
        let (_, p) = tracked_poll(&mut cx, 7, |cx| {
            let _keep = cx.waker().clone();
            Poll::<()>::Pending
        });
        assert!(!p.durable, "a foreign waker never is");
    }
}
