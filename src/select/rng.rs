//! The per-thread random generator behind Go's random `pollorder`.

#[cfg(not(loom))]
use std::cell::Cell;

#[cfg(not(loom))]
thread_local! {
    /// xorshift64* state; 0 = not seeded yet.
    static STATE: Cell<u64> = const { Cell::new(0) };
}

#[cfg(not(loom))]
#[cold]
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(&h as *const _ as usize);
    h.finish() | 1
}

/// A uniformly distributed number in `0..n` (`n > 0`).
#[cfg(not(loom))]
#[inline]
pub(crate) fn below(n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let x = STATE.with(|s| {
        let mut x = s.get();
        if x == 0 {
            x = seed();
        }
        // xorshift64*
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    });
    (((x >> 32) * n as u64) >> 32) as usize
}

/// Under loom the order must be deterministic: always the first.
#[cfg(loom)]
pub(crate) fn below(_n: usize) -> usize {
    0
}
