//! A random permutation drawn lazily (Go's `pollorder`: Fisher-Yates, one step per
//! case tried, from the per-thread generator in `rng`), on the stack for up to 32
//! cases.

const IDENTITY: [u8; 32] = {
    let mut a = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        a[i] = i as u8;
        i += 1;
    }
    a
};

pub(crate) enum Order {
    Inline([u8; 32]),
    Heap(Vec<usize>),
}

impl Order {
    #[inline]
    pub(crate) fn new(n: usize) -> Self {
        if n <= 32 {
            Order::Inline(IDENTITY)
        } else {
            Order::Heap((0..n).collect())
        }
    }

    /// The `k`-th case of a permutation that `pick` has drawn in full.
    #[inline]
    pub(crate) fn get(&self, k: usize) -> usize {
        match self {
            Order::Inline(a) => a[k] as usize,
            Order::Heap(v) => v[k],
        }
    }

    /// Fisher-Yates step `k`: the `k`-th case to try.
    #[inline]
    pub(crate) fn pick(&mut self, k: usize, n: usize) -> usize {
        let j = k + super::rng::below(n - k);
        match self {
            Order::Inline(a) => {
                a.swap(k, j);
                a[k] as usize
            }
            Order::Heap(v) => {
                v.swap(k, j);
                v[k]
            }
        }
    }
}
