//! The goroutine runtime: Go's scheduler for futures.
//!
//! Go's `runtime` package mirrored here: [`go`] is the `go` statement, [`run`] is
//! `main`, [`yield_now`] is `runtime.Gosched`, [`num_goroutines`] is
//! `runtime.NumGoroutine`. A goroutine is a stackless future in one `async-task`
//! allocation, scheduled on a work-stealing pool of worker threads (see the
//! `worker` module for the algorithm and its invariants, and `queue` for the
//! per-worker run queue).
//!
//! # The main goroutine
//! [`run`], [`Runtime::block_on`] (with any number of workers), `#[goro::main]` and
//! `#[goro::test]` all run their future as the main goroutine *on the calling
//! thread*, which acts as worker 0 while it waits, just as Go's main thread runs P0:
//! the runtime starts `workers - 1` more threads. So `yield_now` in the main
//! goroutine lets the goroutines queued on worker 0 run (on one worker: every
//! runnable goroutine), and deadlock detection is the same on every path. The main
//! future need be neither `Send` nor `'static`. When `run` returns, every goroutine
//! still alive is dropped (its destructors run) and the worker threads are joined,
//! as Go terminates all goroutines when `main` returns. (A runtime from
//! [`Builder::build`] with a single worker also has a *stand-in* thread that runs
//! worker 0 while nobody is in `block_on`, so [`Runtime::go`] works without it; a
//! `block_on` caller takes worker 0 over from the stand-in once the stand-in's
//! current poll ends, and gives it back when it returns. Only one `block_on` caller
//! at a time acts as worker 0: a second one, on another thread, polls its future on
//! its own thread and gets no deadlock detection.)
//!
//! # Deadlocks
//! As in Go, when the main goroutine waits and goro can prove that nothing can ever
//! wake any goroutine again, `run` panics with `fatal error: all goroutines are
//! asleep - deadlock!` and a [`dump`] of the goroutines and what each waits on. The
//! proof needs every goroutine waiting on goro primitives (a goroutine waiting on a
//! socket or another crate's future keeps the detector silent), no timer armed, no
//! `unblock` job running, and, on Linux, no thread in the process but goro's own
//! (read from `/proc/self/task` at that moment only): a plain thread, an FFI or
//! signal-handling thread, another executor or another goro runtime may still wake
//! a goroutine, however long it stays silent, so while one is alive goro stays
//! silent. Elsewhere it is always silent. The `deadlock` module has the exact rule
//! and why it is exact; [`Builder::detect_deadlock`] turns it off.
//!
//! # Differences from Go
//! - Goroutines are cooperative: one that computes for a long time without `.await`
//!   holds its worker (Go preempts after 10 ms). Use [`yield_now`] in long loops and
//!   [`unblock`] for blocking calls.
//! - A panicking goroutine does not crash the process by default: it is reported on
//!   stderr and its [`JoinHandle`] yields [`JoinError::Panicked`]. Choose Go's
//!   behaviour with [`Builder::panic_abort`].
//! - [`JoinHandle`] exists (Go has none): await it for the goroutine's result, drop
//!   it to detach.
//! - Deadlock detection needs the whole process to be goro's (see above); Go owns
//!   every thread of its process and can always tell.
//! - A `_blocking` method (`send_blocking`, `lock_blocking`, ...) called inside a
//!   goroutine panics, naming the async method to use: it would block a worker
//!   thread. Plain threads and [`unblock`] jobs may call them.

mod blocking;
pub(crate) mod bubble;
pub(crate) mod coop;
pub(crate) mod deadlock;
mod idle;
mod injector;
#[cfg(goro_epoll)]
pub(crate) mod io;
#[cfg(all(test, loom))]
mod loom_idle;
pub(crate) mod names;
pub(crate) mod park;
mod queue;
mod registry;
pub(crate) mod shared;
mod slot0;
mod task;
pub(crate) mod threads;
pub(crate) mod time;
pub(crate) mod wait;
pub(crate) mod worker;

use std::future::Future;
use std::panic::Location;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, Ordering::*};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

pub use blocking::{MAX_THREADS as MAX_BLOCKING_THREADS, UnblockFuture, unblock};
pub use task::{JoinError, JoinHandle};

use shared::{Meta, Shared};
use task::GoFuture;
use worker::{MainWake, Worker};

/// Runs `fut` as Go's `main` on a new runtime with GOMAXPROCS workers and returns its
/// output. GOMAXPROCS is the environment variable, else the number of cores.
///
/// When `fut` completes, every goroutine still alive is dropped and the worker
/// threads are joined. Panics if called from inside a goroutine.
///
/// ```
/// let sum = goro::run(async {
///     let h = goro::go(async { (1..=10).sum::<i32>() });
///     h.await.unwrap()
/// });
/// assert_eq!(sum, 55);
/// ```
#[track_caller]
pub fn run<F: Future>(fut: F) -> F::Output {
    // The calling thread is worker 0 even with GOMAXPROCS=1 (as Go's main thread
    // runs P0): nothing else can spawn on this runtime before `block_on` starts.
    Builder::new().build_inner(Slot0::Caller).block_on(fut)
}

/// Who runs worker 0.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot0 {
    /// A thread of its own (the global runtime).
    Thread,
    /// The thread in `block_on` (`run`).
    Caller,
    /// The thread in `block_on`, or a thread of its own when it is the only worker
    /// (so that `Runtime::go` without `block_on` still runs goroutines).
    Default,
}

/// Spawns a goroutine: Go's `go` statement.
///
/// Inside [`run`] or a goroutine it spawns onto the current runtime; anywhere else onto
/// a global runtime started on first use. The returned [`JoinHandle`] may be awaited
/// for the output or dropped to detach (it never cancels).
///
/// ```
/// goro::run(async {
///     let (a, b) = (goro::go(async { 1 }), goro::go(async { 2 }));
///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 3);
/// });
/// ```
#[track_caller]
pub fn go<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let loc = Location::caller();
    spawn(
        shared::current().unwrap_or_else(|| global().shared),
        fut,
        loc,
    )
}

/// Goroutine ids come in per-thread blocks so spawning touches no shared counter.
fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    const BLOCK: u64 = 1024;
    thread_local! {
        static IDS: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
    }
    IDS.try_with(|c| {
        let (mut next, mut end) = c.get();
        if next == end {
            next = NEXT.fetch_add(BLOCK, Relaxed);
            end = next + BLOCK;
        }
        c.set((next + 1, end));
        next
    })
    .unwrap_or_else(|_| NEXT.fetch_add(1, Relaxed))
}

fn spawn<F>(
    shared: &'static Shared,
    fut: F,
    loc: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_named(shared, fut, loc, None)
}

fn spawn_named<F>(
    shared: &'static Shared,
    fut: F,
    loc: &'static Location<'static>,
    name: Option<String>,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let id = next_id();
    if let Some(name) = name {
        names::set(id, name);
    }
    let meta = Meta::new(shared, id, loc);
    // SAFETY: `spawn_unchecked` lifts `Send`/`'static` checks; we uphold them: the
    // future (`GoFuture`) is `Send` because `F: Send` and it borrows only the task's
    // own metadata (`&Meta`, and `Meta: Sync`), which async-task keeps alive as long as
    // the future and explicitly allows borrowing; the schedule function is a plain
    // `fn` (Send + Sync + 'static).
    let (runnable, task) = unsafe {
        async_task::Builder::new().metadata(meta).spawn_unchecked(
            move |m: &Meta| GoFuture::new(m, fut),
            async_task::WithInfo(worker::schedule),
        )
    };
    if let Some(b) = shared.bubble() {
        b.spawned();
    }
    shared.submit_new(runnable);
    JoinHandle::new(task)
}

/// Yields to other goroutines: the current one goes to the back of its worker's run
/// queue (Go's `runtime.Gosched`), so the goroutines queued there run first.
///
/// With one worker (here, as with `run` under GOMAXPROCS=1, the main goroutine runs
/// on the calling thread, which is that worker) a single yield lets every runnable
/// goroutine run before `main` goes on:
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// goro::Runtime::builder().workers(1).build().block_on(async {
///     let flag = Arc::new(AtomicBool::new(false));
///     let f = flag.clone();
///     goro::go(async move { f.store(true, Ordering::SeqCst) });
///     goro::yield_now().await; // the new goroutine runs on the one worker meanwhile
///     assert!(flag.load(Ordering::SeqCst));
/// });
/// ```
pub fn yield_now() -> YieldNowFuture {
    YieldNowFuture { yielded: false }
}

/// The future returned by [`yield_now`].
#[must_use = "yield_now does nothing unless awaited"]
#[derive(Debug)]
pub struct YieldNowFuture {
    yielded: bool,
}

impl Future for YieldNowFuture {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The number of live goroutines of the current runtime (the global one outside any),
/// the main goroutine included, like Go's `runtime.NumGoroutine`.
///
/// ```
/// goro::run(async {
///     assert_eq!(goro::num_goroutines(), 1); // main
///     let h = goro::go(std::future::pending::<()>());
///     assert_eq!(goro::num_goroutines(), 2);
///     h.cancel();
///     let _ = h.await;
///     assert_eq!(goro::num_goroutines(), 1);
/// });
/// ```
pub fn num_goroutines() -> usize {
    match shared::current() {
        Some(s) => s.num_goroutines(),
        None => GLOBAL.get().map_or(0, |rt| rt.shared.num_goroutines()),
    }
}

/// The number of worker threads of the current runtime (the global one's outside any
/// runtime): Go's `runtime.GOMAXPROCS(0)`.
///
/// ```
/// let n = goro::Runtime::builder().workers(3).build().block_on(async {
///     goro::runtime::gomaxprocs()
/// });
/// assert_eq!(n, 3);
/// ```
pub fn gomaxprocs() -> usize {
    match shared::current() {
        Some(s) => s.slots.len(),
        None => GLOBAL
            .get()
            .map_or_else(gomaxprocs_default, |rt| rt.shared.slots.len()),
    }
}

/// Spawns a named goroutine: like [`go`], with `name` shown in dumps and in
/// [`goroutines`].
///
/// ```
/// goro::run(async {
///     let h = goro::runtime::go_named("worker-1", async { 1 });
///     assert_eq!(h.await.unwrap(), 1);
/// });
/// ```
#[track_caller]
pub fn go_named<F>(name: impl Into<String>, fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let loc = Location::caller();
    let shared = shared::current().unwrap_or_else(|| global().shared);
    spawn_named(shared, fut, loc, Some(name.into()))
}

/// A goroutine's scheduling state in a [`GoroutineInfo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoroutineState {
    /// Being polled by a worker right now.
    Running,
    /// Woken and waiting in a run queue.
    Runnable,
    /// Parked until something wakes it.
    Waiting,
}

/// One goroutine in a [`goroutines`] snapshot.
#[derive(Debug, Clone)]
pub struct GoroutineInfo {
    /// Its id ([`JoinHandle::id`]).
    pub id: u64,
    /// The name given to [`go_named`], if any.
    pub name: Option<std::sync::Arc<str>>,
    /// Where it was spawned.
    pub location: &'static Location<'static>,
    /// Running, runnable or waiting.
    pub state: GoroutineState,
    /// What it waits on, when waiting: Go's wait reasons (`chan receive`,
    /// `sync.Mutex.Lock`, `select`, ...), or `foreign future` for something goro
    /// cannot see into.
    pub waiting_on: Option<&'static str>,
    /// For how long it has waited on that.
    pub waiting_for: Duration,
}

/// A snapshot of the current runtime's goroutines (the global runtime's outside any):
/// every goroutine that has parked at least once (a goroutine is entered in the
/// runtime's registry when it first returns `Pending`; goroutines still in their
/// first poll or queued for it are not listed, so spawning stays free). States are
/// read without stopping the world: a goroutine may have moved on by the time you
/// look.
///
/// ```
/// goro::run(async {
///     let (_tx, rx) = goro::chan::<u8>(0);
///     let h = goro::runtime::go_named("reader", async move { rx.recv().await });
///     while goro::runtime::goroutines().is_empty() {
///         goro::yield_now().await;
///     }
///     let g = &goro::runtime::goroutines()[0];
///     assert_eq!(g.name.as_deref(), Some("reader"));
///     assert_eq!(g.state, goro::runtime::GoroutineState::Waiting);
///     assert_eq!(g.waiting_on, Some("chan receive"));
///     h.cancel();
/// });
/// ```
pub fn goroutines() -> Vec<GoroutineInfo> {
    let shared = shared::current().or_else(|| GLOBAL.get().map(|rt| rt.shared));
    shared.map_or_else(Vec::new, |s| s.snapshot().0)
}

/// Prints a dump of the current runtime's goroutines to stderr, like Go's SIGQUIT
/// dump: the main goroutine and the [`goroutines`] snapshot, each with its state or
/// what it waits on, for how long (once a minute or more) and where it was spawned.
///
/// ```
/// goro::run(async {
///     goro::runtime::dump();
/// });
/// ```
pub fn dump() {
    eprint!("{}", dump_string());
}

/// The text [`dump`] prints (empty outside any runtime).
///
/// ```
/// goro::run(async {
///     let (_tx, rx) = goro::chan::<u8>(0);
///     let h = goro::go(async move { rx.recv().await });
///     goro::yield_now().await;
///     let d = goro::runtime::dump_string();
///     assert!(d.contains("goroutine main"));
///     h.cancel();
/// });
/// ```
pub fn dump_string() -> String {
    let shared = shared::current().or_else(|| GLOBAL.get().map(|rt| rt.shared));
    shared.map_or_else(String::new, |s| s.dump())
}

/// A goroutine runtime: worker threads with their run queues.
///
/// Most programs use [`run`]; build one explicitly to choose the number of workers,
/// thread names or the panic policy. Dropping it drops every goroutine still alive
/// and joins its threads.
///
/// ```
/// let rt = goro::Runtime::builder().workers(2).thread_name("app").build();
/// let h = rt.go(async { 21 * 2 });
/// assert_eq!(rt.block_on(h).unwrap(), 42);
/// ```
pub struct Runtime {
    shared: &'static Shared,
    threads: Mutex<Vec<thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.shared.slots.len())
            .finish()
    }
}

/// Configures a [`Runtime`]; made by [`Runtime::builder`].
///
/// ```
/// let rt = goro::Builder::new().workers(1).build();
/// assert_eq!(rt.block_on(async { 7 }), 7);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    workers: Option<usize>,
    thread_name: String,
    panic_abort: bool,
    detect_deadlock: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// GOMAXPROCS: the environment variable if it is a positive integer, else the number
/// of available cores.
fn gomaxprocs_default() -> usize {
    std::env::var("GOMAXPROCS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get()))
}

impl Builder {
    /// A builder with the defaults: GOMAXPROCS workers, threads named `goro-worker`,
    /// panics reported and contained.
    ///
    /// ```
    /// let rt = goro::Builder::new().build();
    /// rt.block_on(async {});
    /// ```
    pub fn new() -> Builder {
        Builder {
            workers: None,
            thread_name: "goro-worker".into(),
            panic_abort: false,
            detect_deadlock: true,
        }
    }

    /// Sets the number of worker threads (Go's GOMAXPROCS); overrides the variable.
    ///
    /// # Panics
    /// If `n` is 0.
    ///
    /// ```
    /// let rt = goro::Runtime::builder().workers(1).build();
    /// rt.block_on(async {});
    /// ```
    pub fn workers(mut self, n: usize) -> Builder {
        assert!(
            n > 0,
            "goro: a runtime needs at least one worker (workers(0))"
        );
        self.workers = Some(n);
        self
    }

    /// Names the worker threads (`name-1`, `name-2`, ...).
    ///
    /// ```
    /// let rt = goro::Runtime::builder().thread_name("svc").build();
    /// rt.block_on(async {});
    /// ```
    pub fn thread_name(mut self, name: impl Into<String>) -> Builder {
        self.thread_name = name.into();
        self
    }

    /// Makes a panicking goroutine abort the process, as in Go, instead of being
    /// reported and contained.
    ///
    /// ```
    /// let rt = goro::Runtime::builder().panic_abort().build();
    /// rt.block_on(async {});
    /// ```
    pub fn panic_abort(mut self) -> Builder {
        self.panic_abort = true;
        self
    }

    /// Turns deadlock detection on (the default) or off. With it on, `run` and
    /// `block_on` panic with Go's `fatal error: all goroutines are asleep -
    /// deadlock!` and a goroutine dump when the main goroutine waits and goro can
    /// prove that nothing can ever wake anybody; it stays silent whenever it cannot
    /// (a thread that is not goro's is alive, for one; see the `runtime` module
    /// docs).
    ///
    /// ```
    /// let rt = goro::Runtime::builder().detect_deadlock(false).build();
    /// rt.block_on(async {});
    /// ```
    pub fn detect_deadlock(mut self, on: bool) -> Builder {
        self.detect_deadlock = on;
        self
    }

    /// Builds the runtime, starting `workers - 1` threads; the thread that calls
    /// [`Runtime::block_on`] serves as the first worker (worker 0) while it waits,
    /// as in [`run`]. A runtime built with a single worker also starts a stand-in
    /// thread that runs worker 0 while nobody is in `block_on`, so that
    /// [`Runtime::go`] runs goroutines without it; `block_on` takes worker 0 over
    /// from the stand-in (once the stand-in's current poll ends) and gives it back
    /// when it returns, so the main goroutine, `yield_now` and deadlock detection
    /// behave exactly as in `run`.
    ///
    /// ```
    /// let rt = goro::Runtime::builder().workers(2).build();
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// ```
    pub fn build(self) -> Runtime {
        self.build_inner(Slot0::Default)
    }

    fn build_inner(self, slot0: Slot0) -> Runtime {
        let n = self.workers.unwrap_or_else(gomaxprocs_default);
        let shared = Shared::get(n, self.panic_abort);
        shared
            .run
            .detect_deadlock
            .store(self.detect_deadlock, SeqCst);
        let id = shared.run.id.load(SeqCst);
        let stand_in = slot0 == Slot0::Thread || (slot0 == Slot0::Default && n == 1);
        let mut threads: Vec<_> = (1..n)
            .map(|i| {
                thread::Builder::new()
                    .name(format!("{}-{i}", self.thread_name))
                    .spawn(move || {
                        let _goro_thread = threads::register(id);
                        let w = Worker::new(shared, i);
                        w.run::<std::future::Pending<()>>(None);
                    })
                    .expect("goro: failed to start a worker thread")
            })
            .collect();
        if stand_in {
            // Worker 0 runs on a thread of its own while nobody is in `block_on`.
            threads.push(
                thread::Builder::new()
                    .name(format!("{}-0", self.thread_name))
                    .spawn(move || worker::stand_in_loop(shared, id))
                    .expect("goro: failed to start a worker thread"),
            );
        }
        Runtime {
            shared,
            threads: Mutex::new(threads),
        }
    }
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

impl Runtime {
    /// A builder for a runtime with custom settings.
    ///
    /// ```
    /// let rt = goro::Runtime::builder().workers(2).build();
    /// rt.block_on(async {});
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A runtime with the default settings (GOMAXPROCS workers).
    ///
    /// ```
    /// let rt = goro::Runtime::new();
    /// assert_eq!(rt.block_on(async { 3 }), 3);
    /// ```
    pub fn new() -> Runtime {
        Builder::new().build()
    }

    /// Runs `fut` as the main goroutine on the calling thread and returns its output;
    /// goroutines it spawns run on this runtime. The calling thread works as worker 0
    /// while it waits, exactly as in [`run`] (if another `block_on` caller already
    /// does, this one just polls `fut` on its own thread, without deadlock
    /// detection).
    ///
    /// # Panics
    /// If called from inside a goroutine (it would block a worker thread).
    ///
    /// ```
    /// let rt = goro::Runtime::new();
    /// let v = rt.block_on(async { goro::go(async { 5 }).await.unwrap() });
    /// assert_eq!(v, 5);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        let caller = Location::caller();
        assert!(
            !shared::on_worker(),
            "goro: cannot call run/block_on from inside a goroutine (it would block a \
             worker thread); spawn with go() and .await the handle instead"
        );
        let shared = self.shared;
        shared.run.mains.fetch_add(1, SeqCst);
        struct Main<'a>(&'a Shared);
        impl Drop for Main<'_> {
            fn drop(&mut self) {
                self.0.run.mains.fetch_sub(1, SeqCst);
            }
        }
        let _main = Main(shared);
        let mut fut = pin!(fut);
        if worker::take_slot0(shared) {
            struct Release<'a>(&'a Shared, std::rc::Rc<Worker>);
            impl Drop for Release<'_> {
                fn drop(&mut self) {
                    self.1.hand_off();
                    self.0
                        .run
                        .slot0
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .owner = slot0::Slot0Owner::Free;
                    self.0.slot0_cv.notify_all();
                }
            }
            let _goro_thread = threads::register(shared.run.id.load(SeqCst));
            let w = Worker::new(shared, 0);
            let _release = Release(shared, w.clone());
            shared.run.main_wait.store(0, SeqCst);
            *shared
                .run
                .main_location
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(caller);
            let wake = Arc::new(MainWake {
                woken: std::sync::atomic::AtomicBool::new(true),
                parker: shared.slots[0].parker.clone(),
            });
            return w
                .run(Some((fut.as_mut(), &wake)))
                .expect("runtime shut down during block_on");
        }
        // Worker 0 is busy: wait on this thread as a foreign one.
        let _enter = shared::enter(shared);
        let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
            thread::park();
        }
    }

    /// Spawns a goroutine on this runtime (see [`go`]).
    ///
    /// ```
    /// let rt = goro::Runtime::new();
    /// let h = rt.go(async { "hi" });
    /// assert_eq!(rt.block_on(h).unwrap(), "hi");
    /// ```
    #[track_caller]
    pub fn go<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn(self.shared, fut, Location::caller())
    }

    /// The number of worker threads (GOMAXPROCS of this runtime).
    ///
    /// ```
    /// assert_eq!(goro::Runtime::builder().workers(3).build().workers(), 3);
    /// ```
    pub fn workers(&self) -> usize {
        self.shared.slots.len()
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime::new()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shared.begin_shutdown();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        let me = thread::current().id();
        for t in threads {
            if t.thread().id() != me {
                let _ = t.join();
            }
        }
        self.shared.finish_shutdown();
        // Timers armed by this runtime's goroutines may still be due for others
        // (timers are process-wide): if no worker sleeps on them any more, the
        // global runtime's workers take the duty over.
        if time::driver::armed_without_sleeper() {
            wake_global_for_timers();
        }
        self.shared.retire();
    }
}

/// A runtime that hosts synctest bubble `bubble` (see `bubble`): worker 0 is the
/// thread in `block_on`, as in `run`; goro's deadlock detector is off (the bubble
/// reports its own deadlocks, exactly).
pub(crate) fn bubble_runtime(bubble: &'static bubble::Bubble) -> Runtime {
    let rt = Builder::new()
        .detect_deadlock(false)
        .thread_name("goro-synctest")
        .build_inner(Slot0::Caller);
    rt.shared.run.bubble.0.store(
        bubble as *const bubble::Bubble as *mut bubble::Bubble,
        SeqCst,
    );
    rt
}

/// Spawns a goroutine on `rt` at `loc` (for `test::synctest`'s main goroutine).
pub(crate) fn spawn_at<F>(
    rt: &Runtime,
    fut: F,
    loc: &'static Location<'static>,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn(rt.shared, fut, loc)
}

/// The dump of the goroutines of the runtime this thread works for (no main line).
pub(crate) fn dump_goroutines() -> String {
    shared::current().map_or_else(String::new, |s| s.dump_goroutines())
}

static GLOBAL: OnceLock<Runtime> = OnceLock::new();

/// The global runtime behind `go` outside any runtime: GOMAXPROCS threads of its own.
fn global() -> &'static Runtime {
    GLOBAL.get_or_init(|| {
        Builder::new()
            .thread_name("goro-global")
            .build_inner(Slot0::Thread)
    })
}

/// A timer was armed off any worker while no worker sleeps on the timers: make sure a
/// worker will (the global runtime's, started if needed).
pub(crate) fn wake_global_for_timers() {
    global().shared.wake_one(true);
}
