//! `Once` and `OnceCell<T>`: one-time initialisation (Go's `sync.Once`, and the
//! `sync.OnceValue` idea as a cell).
//!
//! # Algorithm
//!
//! Both are a "done" fast path plus a slow path serialised by goro's async
//! [`Mutex`]: a caller that finds the work done returns after one atomic load; the
//! others take the mutex, check again, and the first one runs the initialiser while
//! holding it, so concurrent callers wait (asynchronously) until it has finished, as
//! Go's `Once.Do` guarantees ("no call to Do returns until the one call to f returns").
//! `OnceCell` stores the value in a `std::sync::OnceLock`, whose `get` is the fast path.
//!
//! # Invariants
//!
//! The initialiser of a `Once` runs at most once to completion. A `OnceCell` holds at
//! most one value, ever.
//!
//! # Differences from Go
//!
//! * The initialiser may be async (`call_once(|| async { .. })`); `call_once_blocking`
//!   takes a plain closure.
//! * If the initialiser panics, Go's `Once` counts it as done; goro's does too. If the
//!   initialising future is *cancelled* (dropped before it finished, which Go cannot
//!   do), nothing is recorded and the next caller runs its initialiser.
//! * `OnceCell::get_or_init` is cancel-safe the same way: a cancelled initialiser
//!   leaves the cell empty. So does a panicking one (the next caller initialises);
//!   Go's `sync.OnceValue` instead re-panics with the same value on every call.

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::Mutex;

/// Runs an action exactly once: Go's `sync.Once`.
///
/// ```
/// use goro::sync::Once;
/// use goro::atomic::Int32;
///
/// static INIT: Once = Once::new();
/// static RUNS: Int32 = Int32::new(0);
/// goro::run(async {
///     for _ in 0..3 {
///         INIT.call_once(|| async { RUNS.add(1); }).await;
///     }
/// });
/// assert_eq!(RUNS.load(), 1);
/// ```
pub struct Once {
    done: AtomicBool,
    lock: Mutex<()>,
}

impl Once {
    /// A new `Once` whose action has not run. `const`, so it can be a `static`.
    ///
    /// ```
    /// static O: goro::sync::Once = goro::sync::Once::new();
    /// assert!(!O.is_done());
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Once {
        Once {
            done: AtomicBool::new(false),
            lock: Mutex::new(()),
        }
    }

    /// A new `Once` (loom build: not `const`).
    #[cfg(loom)]
    pub fn new() -> Once {
        Once {
            done: AtomicBool::new(false),
            lock: Mutex::new(()),
        }
    }

    /// Runs `f().await` if no call has completed before; every caller returns only
    /// once the action has completed (Go's `Once.Do`). Cancel-safe: a cancelled run
    /// leaves the `Once` not done.
    ///
    /// ```
    /// goro::run(async {
    ///     let once = goro::sync::Once::new();
    ///     let hits = goro::atomic::Int32::new(0);
    ///     once.call_once(|| async { hits.add(1); }).await;
    ///     once.call_once(|| async { hits.add(1); }).await;
    ///     assert_eq!(hits.load(), 1);
    /// });
    /// ```
    pub async fn call_once<F, Fut>(&self, f: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()>,
    {
        if self.is_done() {
            // A yield point like every goro operation (the slow path's lock is one).
            crate::runtime::coop::proceed().await;
            return;
        }
        let _g = self.lock.lock().await;
        if self.done.load(Ordering::Acquire) {
            return;
        }
        let mark = MarkOnPanic(&self.done);
        f().await;
        std::mem::forget(mark);
        self.done.store(true, Ordering::Release);
    }

    /// [`call_once`](Once::call_once) with a plain closure, blocking the calling
    /// thread while another caller runs the action.
    ///
    /// ```
    /// let once = goro::sync::Once::new();
    /// let mut v = Vec::new();
    /// once.call_once_blocking(|| v.push(1));
    /// once.call_once_blocking(|| v.push(2));
    /// assert_eq!(v, [1]);
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it could block
    /// the worker: use [`call_once`](Self::call_once)`(..).await` there. Plain
    /// threads and [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn call_once_blocking<F: FnOnce()>(&self, f: F) {
        crate::runtime::deadlock::forbid_in_goroutine(
            "Once::call_once_blocking",
            "once.call_once(..).await",
        );
        if self.is_done() {
            return;
        }
        let _g = self.lock.lock_blocking();
        if self.done.load(Ordering::Acquire) {
            return;
        }
        let mark = MarkOnPanic(&self.done);
        f();
        std::mem::forget(mark);
        self.done.store(true, Ordering::Release);
    }

    /// Whether an action has completed (or panicked).
    ///
    /// ```
    /// let once = goro::sync::Once::new();
    /// once.call_once_blocking(|| ());
    /// assert!(once.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }
}

/// Records "done" if dropped during a panic (Go: a panicking `f` counts as returned);
/// forgotten on normal completion; a plain drop (cancellation) records nothing.
struct MarkOnPanic<'a>(&'a AtomicBool);

impl Drop for MarkOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Release);
        }
    }
}

impl Default for Once {
    fn default() -> Self {
        Once::new()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("done", &self.is_done())
            .finish()
    }
}

/// A cell written once, by the first successful initialiser (async or not).
///
/// ```
/// use goro::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::new();
/// goro::run(async {
///     let c = CONFIG.get_or_init(|| async { "loaded".to_string() }).await;
///     assert_eq!(c, "loaded");
///     assert_eq!(CONFIG.get().map(String::as_str), Some("loaded"));
/// });
/// ```
pub struct OnceCell<T> {
    value: OnceLock<T>,
    lock: Mutex<()>,
}

impl<T> OnceCell<T> {
    /// An empty cell. `const`, so it can be a `static`.
    ///
    /// ```
    /// let c: goro::sync::OnceCell<u8> = goro::sync::OnceCell::new();
    /// assert!(c.get().is_none());
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> OnceCell<T> {
        OnceCell {
            value: OnceLock::new(),
            lock: Mutex::new(()),
        }
    }

    /// An empty cell (loom build: not `const`).
    #[cfg(loom)]
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value: OnceLock::new(),
            lock: Mutex::new(()),
        }
    }

    /// The value, if set.
    ///
    /// ```
    /// let c = goro::sync::OnceCell::new();
    /// c.set(3).unwrap();
    /// assert_eq!(c.get(), Some(&3));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Sets the value if the cell is empty; otherwise gives `value` back.
    ///
    /// ```
    /// let c = goro::sync::OnceCell::new();
    /// assert_eq!(c.set(1), Ok(()));
    /// assert_eq!(c.set(2), Err(2));
    /// ```
    pub fn set(&self, value: T) -> Result<(), T> {
        self.value.set(value)
    }

    /// The value, initialised by `f().await` if the cell is empty. Concurrent callers
    /// wait for the one running initialiser. Cancel-safe: a cancelled initialiser
    /// leaves the cell empty for the next caller.
    ///
    /// ```
    /// goro::run(async {
    ///     let c = goro::sync::OnceCell::new();
    ///     assert_eq!(*c.get_or_init(|| async { 1 }).await, 1);
    ///     assert_eq!(*c.get_or_init(|| async { 2 }).await, 1);
    /// });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        if let Some(v) = self.value.get() {
            crate::runtime::coop::proceed().await;
            return v;
        }
        let _g = self.lock.lock().await;
        if let Some(v) = self.value.get() {
            return v;
        }
        let v = f().await;
        // `set` may have won meanwhile; then `v` is dropped and the stored value wins.
        let _ = self.value.set(v);
        self.value.get().expect("OnceCell was just set")
    }

    /// [`get_or_init`](OnceCell::get_or_init) with a plain closure, blocking the
    /// calling thread while another caller initialises.
    ///
    /// ```
    /// let c = goro::sync::OnceCell::new();
    /// assert_eq!(c.get_or_init_blocking(|| "a"), &"a");
    /// ```
    ///
    /// # Panics
    /// If called inside a goroutine (on a goro worker thread), where it could block
    /// the worker: use [`get_or_init`](Self::get_or_init)`(..).await` there. Plain
    /// threads and [`unblock`](crate::unblock) jobs may call it.
    #[track_caller]
    pub fn get_or_init_blocking<F: FnOnce() -> T>(&self, f: F) -> &T {
        crate::runtime::deadlock::forbid_in_goroutine(
            "OnceCell::get_or_init_blocking",
            "cell.get_or_init(..).await",
        );
        if let Some(v) = self.value.get() {
            return v;
        }
        let _g = self.lock.lock_blocking();
        self.value.get_or_init(f)
    }

    /// Takes the value out of the cell, if any.
    ///
    /// ```
    /// let c = goro::sync::OnceCell::new();
    /// c.set(String::from("x")).unwrap();
    /// assert_eq!(c.into_inner(), Some(String::from("x")));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OnceCell").field(&self.get()).finish()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(v: T) -> Self {
        let c = OnceCell::new();
        let _ = c.set(v);
        c
    }
}
