//! Shared pieces of the workload harness: the `Workload` table entry and helpers.
#![allow(dead_code)]

/// One runtime's implementation of a workload: takes `--scale`, returns the figure
/// (in the workload's unit). It must check its own result and panic when it is wrong.
pub type Bench = fn(f64) -> f64;

/// A headline workload of `benches/WORKLOADS.md`, for each runtime compared.
pub struct Workload {
    pub id: &'static str,
    pub unit: &'static str,
    /// Smaller is better for every unit we print.
    pub goro: Bench,
    pub tokio: Bench,
    pub smol: Bench,
    /// Further lines under the same workload: `goro-chan@smol` (goro's channels on
    /// smol's executor) and the physical-limit floors (`floor-*`, see `floor.rs`).
    pub extra: Vec<(&'static str, Bench)>,
}

/// `n * scale`, at least 1.
pub fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64) * scale).round().max(1.0) as usize
}

/// Worker threads: `GOMAXPROCS`, else all cores (as goro's own default).
pub fn workers() -> usize {
    std::env::var("GOMAXPROCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A multi-threaded tokio runtime with `workers()` worker threads.
pub fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `fut` as tokio's "main": spawned onto a worker of a fresh `tokio_rt()`, the
/// calling thread only waiting for its handle. (`rt.block_on(fut)` would poll `fut`
/// on the calling thread, which is not a worker: every hand-off between it and a
/// spawned task would cross threads through the kernel.)
pub fn tokio_main<F>(fut: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let rt = tokio_rt();
    let out = rt.block_on(async move { tokio::spawn(fut).await.unwrap() });
    // Dropping the runtime waits for its workers; leftover tasks are dropped there.
    drop(rt);
    out
}

/// Runs the future `main(ex)` as smol's "main" on an async-executor with `workers()`
/// threads, smol's usual set-up: `workers() - 1` helper threads plus the calling
/// thread, each in `async_io::block_on(ex.run(..))` (what `smol::block_on` is), so an
/// idle thread waits in the reactor itself. `main` is spawned as a task of the
/// executor, like tokio's and goro's main, so any executor thread may run it.
pub fn smol_main<F, Fut>(main: F) -> Fut::Output
where
    F: FnOnce(&'static async_executor::Executor<'static>) -> Fut,
    Fut: std::future::Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    // Leaked: a fresh process runs one workload (see the rule in workloads.rs).
    let ex: &'static async_executor::Executor<'static> =
        Box::leak(Box::new(async_executor::Executor::new()));
    let (tx, rx) = async_channel::bounded::<()>(1);
    let threads: Vec<_> = (1..workers())
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || async_io::block_on(ex.run(async { rx.recv().await.ok() })))
        })
        .collect();
    let task = ex.spawn(main(ex));
    let out = async_io::block_on(ex.run(task));
    drop(tx);
    for t in threads {
        t.join().unwrap();
    }
    out
}

/// Resident set size in bytes, from /proc/self/status (VmRSS).
pub fn rss_bytes() -> usize {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The WaitGroup of the tokio and smol versions, as their users write one: an atomic
/// count-down whose last `done` signals (tokio: `Notify`, which keeps a permit;
/// smol: an `event_listener::Event`).
pub struct Countdown {
    left: std::sync::atomic::AtomicUsize,
    notify: tokio::sync::Notify,
    event: event_listener::Event,
}

impl Countdown {
    pub fn new(n: usize) -> std::sync::Arc<Countdown> {
        std::sync::Arc::new(Countdown {
            left: std::sync::atomic::AtomicUsize::new(n),
            notify: tokio::sync::Notify::new(),
            event: event_listener::Event::new(),
        })
    }

    pub fn done(&self) {
        if self.left.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
            self.notify.notify_one();
            self.event.notify(usize::MAX);
        }
    }

    /// tokio's way to wait.
    pub async fn wait_tokio(&self) {
        self.notify.notified().await;
    }

    /// smol's way to wait.
    pub async fn wait_smol(&self) {
        use std::sync::atomic::Ordering::Acquire;
        while self.left.load(Acquire) != 0 {
            event_listener::listener!(self.event => l);
            if self.left.load(Acquire) == 0 {
                break;
            }
            l.await;
        }
    }
}
