//! [`Lazy`]: a waiter's slow-path state, written only when the waiter first takes
//! the slow path, beside one byte of flags.
//!
//! A lock future that succeeds at once is built, moved into the awaiting state
//! machine and dropped, all on the fast path. If it held its listener and other
//! slow-path fields by value, building it would write them and every move would
//! read them back (perf showed those reads stalling on the narrower stores just
//! made: store-forwarding failures costing more than the lock itself). With the
//! slow part uninitialised until used, the fast path writes the flags byte only.
//! `Mutex`'s and `RwMutex`'s waiters share this one type, so the unsafe code is
//! here once.

use std::mem::MaybeUninit;

/// The flag bit that says the slow part is initialised (the owner's own flags use
/// the other bits).
const INIT: u8 = 0x80;

/// One byte of owner flags and a slow part `S`, initialised (to `S::default()`)
/// on first use.
pub(crate) struct Lazy<S> {
    flags: u8,
    part: MaybeUninit<S>,
}

impl<S: Default> Lazy<S> {
    #[inline]
    pub(crate) const fn new() -> Self {
        Lazy {
            flags: 0,
            part: MaybeUninit::uninit(),
        }
    }

    /// Whether any bit of `f` is set (`f` must not include the init bit).
    #[inline]
    pub(crate) fn any(&self, f: u8) -> bool {
        debug_assert_eq!(f & INIT, 0);
        self.flags & f != 0
    }

    /// Sets (`on`) or clears the owner flags `f`.
    #[inline]
    pub(crate) fn set(&mut self, f: u8, on: bool) {
        debug_assert_eq!(f & INIT, 0);
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }

    /// Whether the slow part was ever used.
    #[inline]
    pub(crate) fn is_init(&self) -> bool {
        self.flags & INIT != 0
    }

    /// The slow part, if it was ever used.
    #[inline]
    pub(crate) fn get(&self) -> Option<&S> {
        // SAFETY: INIT is set only once `part` is written.
        self.is_init()
            .then(|| unsafe { self.part.assume_init_ref() })
    }

    /// The slow part, if it was ever used.
    #[inline]
    pub(crate) fn get_mut(&mut self) -> Option<&mut S> {
        if self.is_init() {
            // SAFETY: as above.
            Some(unsafe { self.part.assume_init_mut() })
        } else {
            None
        }
    }

    /// The slow part, written now if this is its first use.
    #[inline]
    pub(crate) fn get_or_init(&mut self) -> &mut S {
        if !self.is_init() {
            self.part.write(S::default());
            self.flags |= INIT;
        }
        // SAFETY: initialised just above or before.
        unsafe { self.part.assume_init_mut() }
    }
}

impl<S: Default> Default for Lazy<S> {
    #[inline]
    fn default() -> Self {
        Lazy::new()
    }
}

impl<S> Drop for Lazy<S> {
    #[inline(always)]
    fn drop(&mut self) {
        if self.flags & INIT != 0 {
            drop_part(&mut self.part);
        }
    }
}

#[inline(never)]
fn drop_part<S>(part: &mut MaybeUninit<S>) {
    // SAFETY: called once, from `Lazy::drop`, with INIT set: initialised.
    unsafe { part.assume_init_drop() }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Lazy;
    use std::sync::Arc;

    #[test]
    fn the_slow_part_is_made_on_first_use_and_dropped_once() {
        let token = Arc::new(());
        let mut l: Lazy<Option<Arc<()>>> = Lazy::new();
        assert!(l.get().is_none() && !l.is_init());
        l.set(1, true);
        assert!(l.any(1) && !l.is_init());
        *l.get_or_init() = Some(token.clone());
        assert!(l.is_init() && l.any(1));
        assert_eq!(Arc::strong_count(&token), 2);
        l.set(1, false);
        assert!(!l.any(1) && l.get().is_some());
        drop(l);
        assert_eq!(Arc::strong_count(&token), 1);
    }
}
