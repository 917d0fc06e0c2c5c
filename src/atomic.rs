//! Typed atomics: Go's `sync/atomic` types (`atomic.Int32`, `atomic.Int64`,
//! `atomic.Uint32`, `atomic.Uint64`, `atomic.Bool`, `atomic.Value`).
//!
//! # Design and invariants
//!
//! Every integer and `Bool` type is a thin wrapper over the std atomic of the same
//! width, and every operation is one hardware atomic instruction (or a
//! compare-exchange loop where the hardware has no fetch-and-op) with
//! [`SeqCst`] ordering, which is what Go's memory
//! model gives `sync/atomic`: all atomic operations of a program appear in one total
//! order. Nothing allocates. [`Value<T>`] holds an `Arc<T>` in an
//! [`arc_swap::ArcSwap`]: loads are lock-free and wait-free in the common case,
//! stores replace the pointer atomically.
//!
//! # Differences from Go
//!
//! * `add(delta)` returns the new value as Go's `Add` does, and wraps on overflow (as
//!   Go's two's-complement arithmetic does); `and`/`or` return the old value (Go 1.23).
//! * `compare_and_swap(old, new) -> bool` is Go's `CompareAndSwap`; for [`Value`] it
//!   compares pointers (`Arc::ptr_eq`), since `T` need not be comparable.
//! * Go's `atomic.Value` starts empty (`Load` returns nil) and panics on a store of an
//!   inconsistent type; goro's `Value<T>` is typed and always holds a value (use
//!   `Value<Option<T>>` for an empty state).
//! * Go's types must not be copied after first use; Rust's ownership makes that moot.
//!   Share them with `Arc` or a `static`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

macro_rules! atomic_int {
    ($(#[$doc:meta])* $name:ident, $t:ty, $std:ty, $go:literal) => {
        $(#[$doc])*
        #[repr(transparent)]
        #[derive(Default)]
        pub struct $name {
            v: $std,
        }

        impl $name {
            #[doc = concat!("A new `", stringify!($name), "` holding `v`.")]
            ///
            /// ```
            #[doc = concat!("let a = goro::atomic::", stringify!($name), "::new(5);")]
            /// assert_eq!(a.load(), 5);
            /// ```
            pub const fn new(v: $t) -> Self {
                Self { v: <$std>::new(v) }
            }

            /// Atomically loads the value.
            ///
            /// ```
            #[doc = concat!("let a = goro::atomic::", stringify!($name), "::new(7);")]
            /// assert_eq!(a.load(), 7);
            /// ```
            #[inline]
            pub fn load(&self) -> $t {
                self.v.load(SeqCst)
            }

            /// Atomically stores `v`.
            ///
            /// ```
            #[doc = concat!("let a = goro::atomic::", stringify!($name), "::default();")]
            /// a.store(3);
            /// assert_eq!(a.load(), 3);
            /// ```
            #[inline]
            pub fn store(&self, v: $t) {
                self.v.store(v, SeqCst)
            }

            /// Atomically stores `v` and returns the old value.
            ///
            /// ```
            #[doc = concat!("let a = goro::atomic::", stringify!($name), "::new(1);")]
            /// assert_eq!(a.swap(2), 1);
            /// assert_eq!(a.load(), 2);
            /// ```
            #[inline]
            pub fn swap(&self, v: $t) -> $t {
                self.v.swap(v, SeqCst)
            }

            /// Stores `new` if the value is `old`; returns whether it did (Go's
            /// `CompareAndSwap`).
            ///
            /// ```
            #[doc = concat!("let a = goro::atomic::", stringify!($name), "::new(1);")]
            /// assert!(a.compare_and_swap(1, 2));
            /// assert!(!a.compare_and_swap(1, 3));
            /// assert_eq!(a.load(), 2);
            /// ```
            #[inline]
            pub fn compare_and_swap(&self, old: $t, new: $t) -> bool {
                self.v.compare_exchange(old, new, SeqCst, SeqCst).is_ok()
            }

            /// Atomically adds `delta` (wrapping on overflow) and returns the NEW value,
            #[doc = concat!("like Go's `", $go, ".Add`.")]
            ///
            /// ```
            #[doc = concat!("let a = goro::atomic::", stringify!($name), "::new(40);")]
            /// assert_eq!(a.add(2), 42);
            /// ```
            #[inline]
            pub fn add(&self, delta: $t) -> $t {
                self.v.fetch_add(delta, SeqCst).wrapping_add(delta)
            }

            /// Atomically replaces the value with `value & mask` and returns the OLD value
            /// (Go 1.23's `And`).
            ///
            /// ```
            #[doc = concat!("let a = goro::atomic::", stringify!($name), "::new(0b1100);")]
            /// assert_eq!(a.and(0b1010), 0b1100);
            /// assert_eq!(a.load(), 0b1000);
            /// ```
            #[inline]
            pub fn and(&self, mask: $t) -> $t {
                self.v.fetch_and(mask, SeqCst)
            }

            /// Atomically replaces the value with `value | mask` and returns the OLD value
            /// (Go 1.23's `Or`).
            ///
            /// ```
            #[doc = concat!("let a = goro::atomic::", stringify!($name), "::new(0b1100);")]
            /// assert_eq!(a.or(0b0011), 0b1100);
            /// assert_eq!(a.load(), 0b1111);
            /// ```
            #[inline]
            pub fn or(&self, mask: $t) -> $t {
                self.v.fetch_or(mask, SeqCst)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.load(), f)
            }
        }

        impl From<$t> for $name {
            fn from(v: $t) -> Self {
                Self::new(v)
            }
        }
    };
}

atomic_int!(
    /// An atomic `i32`: Go's `atomic.Int32`.
    ///
    /// ```
    /// use goro::atomic::Int32;
    /// static HITS: Int32 = Int32::new(0);
    /// assert_eq!(HITS.add(1), 1);
    /// ```
    Int32, i32, std::sync::atomic::AtomicI32, "atomic.Int32"
);
atomic_int!(
    /// An atomic `i64`: Go's `atomic.Int64`.
    ///
    /// ```
    /// use goro::atomic::Int64;
    /// let n = std::sync::Arc::new(Int64::new(0));
    /// goro::run(async {
    ///     let wg = goro::sync::WaitGroup::new();
    ///     for _ in 0..8 {
    ///         let n = n.clone();
    ///         wg.go(async move { n.add(1); });
    ///     }
    ///     wg.wait().await;
    /// });
    /// assert_eq!(n.load(), 8);
    /// ```
    Int64, i64, std::sync::atomic::AtomicI64, "atomic.Int64"
);
atomic_int!(
    /// An atomic `u32`: Go's `atomic.Uint32`.
    ///
    /// ```
    /// let a = goro::atomic::Uint32::new(u32::MAX);
    /// assert_eq!(a.add(1), 0); // wraps, as in Go
    /// ```
    Uint32, u32, std::sync::atomic::AtomicU32, "atomic.Uint32"
);
atomic_int!(
    /// An atomic `u64`: Go's `atomic.Uint64`.
    ///
    /// ```
    /// let a = goro::atomic::Uint64::new(1);
    /// assert_eq!(a.or(2), 1);
    /// assert_eq!(a.load(), 3);
    /// ```
    Uint64, u64, std::sync::atomic::AtomicU64, "atomic.Uint64"
);

/// An atomic `bool`: Go's `atomic.Bool`.
///
/// ```
/// use goro::atomic::Bool;
/// let stop = Bool::new(false);
/// assert!(stop.compare_and_swap(false, true));
/// assert!(stop.load());
/// ```
#[repr(transparent)]
#[derive(Default)]
pub struct Bool {
    v: std::sync::atomic::AtomicBool,
}

impl Bool {
    /// A new `Bool` holding `v`.
    ///
    /// ```
    /// assert!(goro::atomic::Bool::new(true).load());
    /// ```
    pub const fn new(v: bool) -> Self {
        Self {
            v: std::sync::atomic::AtomicBool::new(v),
        }
    }

    /// Atomically loads the value.
    ///
    /// ```
    /// assert!(!goro::atomic::Bool::default().load());
    /// ```
    #[inline]
    pub fn load(&self) -> bool {
        self.v.load(SeqCst)
    }

    /// Atomically stores `v`.
    ///
    /// ```
    /// let b = goro::atomic::Bool::new(false);
    /// b.store(true);
    /// assert!(b.load());
    /// ```
    #[inline]
    pub fn store(&self, v: bool) {
        self.v.store(v, SeqCst)
    }

    /// Atomically stores `v` and returns the old value.
    ///
    /// ```
    /// let b = goro::atomic::Bool::new(false);
    /// assert!(!b.swap(true));
    /// ```
    #[inline]
    pub fn swap(&self, v: bool) -> bool {
        self.v.swap(v, SeqCst)
    }

    /// Stores `new` if the value is `old`; returns whether it did.
    ///
    /// ```
    /// let b = goro::atomic::Bool::new(true);
    /// assert!(!b.compare_and_swap(false, true));
    /// ```
    #[inline]
    pub fn compare_and_swap(&self, old: bool, new: bool) -> bool {
        self.v.compare_exchange(old, new, SeqCst, SeqCst).is_ok()
    }
}

impl fmt::Debug for Bool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.load(), f)
    }
}

impl From<bool> for Bool {
    fn from(v: bool) -> Self {
        Self::new(v)
    }
}

/// An atomically replaced `Arc<T>`: Go's `atomic.Value` (typed, like
/// `atomic.Pointer[T]`). Loads take no lock; they return a clone of the current `Arc`.
///
/// Typical use: configuration read on every request and replaced now and then.
///
/// ```
/// use goro::atomic::Value;
/// let config = Value::new(String::from("v1"));
/// let old = config.swap(String::from("v2"));
/// assert_eq!(*old, "v1");
/// assert_eq!(*config.load(), "v2");
/// ```
pub struct Value<T> {
    v: arc_swap::ArcSwap<T>,
}

impl<T> Value<T> {
    /// A new `Value` holding `v`.
    ///
    /// ```
    /// let v = goro::atomic::Value::new(1);
    /// assert_eq!(*v.load(), 1);
    /// ```
    pub fn new(v: T) -> Self {
        Self::from_arc(Arc::new(v))
    }

    /// A new `Value` holding the `Arc` `v` (no new allocation).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let a = Arc::new(5);
    /// let v = goro::atomic::Value::from_arc(a.clone());
    /// assert!(Arc::ptr_eq(&v.load(), &a));
    /// ```
    pub fn from_arc(v: Arc<T>) -> Self {
        Self {
            v: arc_swap::ArcSwap::new(v),
        }
    }

    /// Atomically loads the current value (a clone of its `Arc`; no lock is taken).
    ///
    /// ```
    /// let v = goro::atomic::Value::new("hi");
    /// assert_eq!(*v.load(), "hi");
    /// ```
    pub fn load(&self) -> Arc<T> {
        self.v.load_full()
    }

    /// Atomically replaces the value with `v`.
    ///
    /// ```
    /// let v = goro::atomic::Value::new(1);
    /// v.store(2);
    /// assert_eq!(*v.load(), 2);
    /// ```
    pub fn store(&self, v: T) {
        self.store_arc(Arc::new(v))
    }

    /// Atomically replaces the value with the `Arc` `v`.
    ///
    /// ```
    /// let v = goro::atomic::Value::new(1);
    /// v.store_arc(std::sync::Arc::new(2));
    /// assert_eq!(*v.load(), 2);
    /// ```
    pub fn store_arc(&self, v: Arc<T>) {
        self.v.store(v)
    }

    /// Atomically replaces the value with `v` and returns the old one.
    ///
    /// ```
    /// let v = goro::atomic::Value::new(1);
    /// assert_eq!(*v.swap(2), 1);
    /// ```
    pub fn swap(&self, v: T) -> Arc<T> {
        self.swap_arc(Arc::new(v))
    }

    /// Atomically replaces the value with the `Arc` `v` and returns the old one.
    ///
    /// ```
    /// let v = goro::atomic::Value::new(1);
    /// assert_eq!(*v.swap_arc(std::sync::Arc::new(2)), 1);
    /// ```
    pub fn swap_arc(&self, v: Arc<T>) -> Arc<T> {
        self.v.swap(v)
    }

    /// Stores `new` if the current value is `old` (the same allocation:
    /// `Arc::ptr_eq`); returns whether it did. Go's `CompareAndSwap`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let v = goro::atomic::Value::new(1);
    /// let cur = v.load();
    /// assert!(v.compare_and_swap(&cur, Arc::new(2)));
    /// assert!(!v.compare_and_swap(&cur, Arc::new(3))); // `cur` is no longer current
    /// assert_eq!(*v.load(), 2);
    /// ```
    pub fn compare_and_swap(&self, old: &Arc<T>, new: Arc<T>) -> bool {
        let prev = self.v.compare_and_swap(old, new);
        Arc::ptr_eq(&prev, old)
    }
}

impl<T: Default> Default for Value<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.load(), f)
    }
}

impl<T> From<T> for Value<T> {
    fn from(v: T) -> Self {
        Self::new(v)
    }
}
