//! A soak test (not run by CI): a mixed service load for `--secs N` seconds, with
//! figures every 10 s and a verdict at the end.
//!
//! ```sh
//! cargo run --release --example soak -- --secs 600
//! ```
//!
//! The load, each part a loop of rounds that spawn and join their own goroutines
//! (goroutine churn):
//! - channels: producers and consumers over buffered and unbuffered channels, every
//!   send and receive a `select!` against a timer that often wins (cancelled selects),
//!   the receivers' values checked to be exactly the values sent;
//! - `Mutex`: goroutines incrementing a shared counter, yielding while they hold it;
//! - timers: `sleep`s, and `timeout`s that must fire;
//! - context trees: cancel, timeout and value nodes, a goroutine waiting on every node,
//!   the root cancelled (or a deadline firing) and every waiter required to see it;
//! - TCP echo on 127.0.0.1: clients that connect, write, read back and check their
//!   bytes, and clients that drop their connection half-way.
//!
//! Every second it samples the live goroutines (`goro::num_goroutines`), the resident
//! set (`VmRSS` of /proc/self/status), the open descriptors (/proc/self/fd) and the
//! armed timers (`goro::time::armed_timers`), and prints them every 10 s with the
//! operations per second. It exits non-zero when a message was lost, duplicated or
//! corrupted, when a check failed, when progress stopped for 60 s, or when the mean of
//! a figure over the last third of the run exceeds its mean over the first third by
//! more than a tolerance (25% plus a fixed slack: goroutines 200, RSS 16 MiB,
//! descriptors 32, timers 500). Linux only for RSS and descriptors (/proc).

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use goro::context::Context;
use goro::net::{TcpListener, TcpStream};
use goro::sync::{Mutex, WaitGroup};
use goro::time::{after, sleep, timeout};

static OPS: AtomicU64 = AtomicU64::new(0);
static FAILURES: AtomicU64 = AtomicU64::new(0);

fn fail(what: String) {
    FAILURES.fetch_add(1, Relaxed);
    eprintln!("soak: FAILURE: {what}");
}

/// xorshift64*, one per goroutine.
struct Rng(u64);
impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) % n
    }
}

/// Producers and consumers over one channel; every operation races a timer.
async fn chan_round(round: u64) {
    const PRODUCERS: u64 = 4;
    const PER: u64 = 250;
    let cap = [0, 1, 16][(round % 3) as usize];
    let (tx, rx) = goro::chan::<u64>(cap);
    let wg = WaitGroup::new();
    for p in 0..PRODUCERS {
        let tx = tx.clone();
        wg.go(async move {
            let mut rng = Rng::new(round * 31 + p);
            for i in 0..PER {
                let v = p * PER + i;
                loop {
                    // A lost select drops its send future and must not have sent.
                    let sent = if rng.below(2) == 0 {
                        goro::select! {
                            r = tx.send(v) => r.is_ok(),
                            _ = sleep(Duration::from_micros(rng.below(200))) => false,
                        }
                    } else {
                        goro::select! {
                            r = tx.send(v) => r.is_ok(),
                            default => false,
                        }
                    };
                    if sent {
                        break;
                    }
                    goro::yield_now().await;
                }
            }
        });
    }
    drop(tx);
    let mut consumers = Vec::new();
    for c in 0..3u64 {
        let rx = rx.clone();
        consumers.push(goro::go(async move {
            let mut rng = Rng::new(round * 17 + c);
            let mut got = Vec::new();
            loop {
                let r = if rng.below(2) == 0 {
                    goro::select! {
                        v = rx.recv() => Some(v),
                        _ = after(Duration::from_micros(rng.below(300))) => None,
                    }
                } else {
                    goro::select! {
                        v = rx.recv() => Some(v),
                        _ = sleep(Duration::from_micros(rng.below(300))) => None,
                    }
                };
                match r {
                    Some(Some(v)) => {
                        OPS.fetch_add(1, Relaxed);
                        got.push(v);
                    }
                    Some(None) => return got, // closed: every sender is gone
                    None => {}                // the timer won: try again
                }
            }
        }));
    }
    drop(rx);
    let mut all = Vec::new();
    for c in consumers {
        match c.await {
            Ok(v) => all.extend(v),
            Err(e) => fail(format!("chan consumer: {e}")),
        }
    }
    wg.wait().await;
    all.sort_unstable();
    if all.len() as u64 != PRODUCERS * PER || all.iter().enumerate().any(|(i, &v)| v != i as u64) {
        fail(format!(
            "chan round {round} (cap {cap}): received {} values, expected 0..{} exactly once",
            all.len(),
            PRODUCERS * PER
        ));
    }
}

/// Goroutines incrementing one counter, yielding with the lock held.
async fn mutex_round(round: u64) {
    const G: u64 = 50;
    const N: u64 = 40;
    let m = Arc::new(Mutex::new(0u64));
    let wg = WaitGroup::new();
    for g in 0..G {
        let m = m.clone();
        wg.go(async move {
            for i in 0..N {
                let mut n = m.lock().await;
                if (g + i) % 7 == 0 {
                    goro::yield_now().await;
                }
                *n += 1;
                OPS.fetch_add(1, Relaxed);
            }
        });
    }
    wg.wait().await;
    let n = *m.lock().await;
    if n != G * N {
        fail(format!(
            "mutex round {round}: counter {n}, expected {}",
            G * N
        ));
    }
}

/// Sleeps, and timeouts on futures that never finish.
async fn timer_round(round: u64) {
    let wg = WaitGroup::new();
    for g in 0..100u64 {
        wg.go(async move {
            let mut rng = Rng::new(round * 7 + g);
            let d = Duration::from_micros(rng.below(3000));
            let t0 = Instant::now();
            if g % 2 == 0 {
                sleep(d).await;
            } else if timeout(d, std::future::pending::<()>()).await.is_ok() {
                fail("a timeout on a pending future returned Ok".into());
            }
            if t0.elapsed() < d {
                fail(format!("a timer fired early: {:?} < {d:?}", t0.elapsed()));
            }
            OPS.fetch_add(1, Relaxed);
        });
    }
    wg.wait().await;
}

/// A context tree (depth 3, fan-out 4) with a waiter on every node; the root is
/// cancelled or a deadline fires, and every waiter must see its node done.
async fn context_round(round: u64) {
    let (root, cancel_root) = Context::background().with_cancel();
    let mut nodes = vec![root.clone()];
    let mut cancels = Vec::new();
    let mut frontier = vec![root];
    for depth in 0..3u64 {
        let mut next = Vec::new();
        for parent in &frontier {
            for k in 0..4u64 {
                let child = match (round + depth + k) % 4 {
                    0 => {
                        let (c, f) = parent.with_cancel();
                        cancels.push(f);
                        c
                    }
                    1 => {
                        let (c, f) = parent.with_timeout(Duration::from_millis(2));
                        cancels.push(f);
                        c
                    }
                    2 => {
                        let (c, f) = parent.with_timeout(Duration::from_secs(3600));
                        cancels.push(f);
                        c
                    }
                    _ => parent.with_value(round),
                };
                next.push(child.clone());
                nodes.push(child);
            }
        }
        frontier = next;
    }
    let wg = WaitGroup::new();
    for ctx in nodes {
        wg.go(async move {
            let seen = goro::select! {
                _ = ctx.done() => ctx.err().is_some(),
                _ = sleep(Duration::from_secs(30)) => false,
            };
            if !seen {
                fail("a context waiter never saw its context done".into());
            }
            OPS.fetch_add(1, Relaxed);
        });
    }
    sleep(Duration::from_millis(1)).await;
    cancel_root.cancel();
    wg.wait().await;
    for f in cancels {
        f.cancel();
    }
}

/// Echo server: one goroutine per connection until EOF or error.
async fn echo_server(listener: TcpListener, stop: Context) {
    loop {
        let conn = goro::select! {
            c = listener.accept() => c,
            _ = stop.done() => return,
        };
        match conn {
            Ok((conn, _)) => drop(goro::go(async move {
                let (from, to) = conn.split();
                let _ = futures_lite::io::copy(from, to).await;
            })),
            Err(e) => {
                fail(format!("accept: {e}"));
                sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Clients that write and read back their bytes; one in four drops its connection
/// half-way.
async fn tcp_round(round: u64, addr: std::net::SocketAddr) {
    let wg = WaitGroup::new();
    for c in 0..8u64 {
        wg.go(async move {
            let r: io::Result<()> = async {
                let mut rng = Rng::new(round * 13 + c);
                let mut conn = TcpStream::connect(addr).await?;
                let drop_early = c % 4 == 3;
                for i in 0..10u64 {
                    let len = 1 + rng.below(4096) as usize;
                    let msg: Vec<u8> = (0..len).map(|j| (j as u64 ^ i ^ c) as u8).collect();
                    conn.write_all(&msg).await?;
                    if drop_early && i == 5 {
                        return Ok(()); // dropped with echoed bytes unread
                    }
                    let mut back = vec![0; len];
                    conn.read_exact(&mut back).await?;
                    if back != msg {
                        fail(format!("tcp round {round}: echo differs"));
                    }
                    OPS.fetch_add(1, Relaxed);
                }
                Ok(())
            }
            .await;
            if let Err(e) = r {
                fail(format!("tcp client: {e}"));
            }
        });
    }
    wg.wait().await;
}

/// Runs `round` until `stop` is done.
async fn repeat<F, Fut>(stop: Context, mut round: F)
where
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut i = 0;
    while stop.err().is_none() {
        round(i).await;
        i += 1;
    }
}

#[derive(Clone, Copy, Default)]
struct Sample {
    goroutines: f64,
    rss_kib: f64,
    fds: f64,
    timers: f64,
}

fn rss_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0.0)
}

fn open_fds() -> f64 {
    std::fs::read_dir("/proc/self/fd").map_or(0.0, |d| d.count() as f64)
}

fn sample() -> Sample {
    Sample {
        goroutines: goro::num_goroutines() as f64,
        rss_kib: rss_kib(),
        fds: open_fds(),
        timers: goro::time::armed_timers() as f64,
    }
}

/// Whether the last third of `samples` grew past the first third (mean, 25% + slack).
fn growth(samples: &[Sample]) -> Vec<String> {
    let n = samples.len() / 3;
    if n == 0 {
        return vec![];
    }
    let mean = |s: &[Sample], f: fn(&Sample) -> f64| s.iter().map(f).sum::<f64>() / s.len() as f64;
    let first = &samples[..n];
    let last = &samples[samples.len() - n..];
    // (name, figure, fixed slack)
    type Check = (&'static str, fn(&Sample) -> f64, f64);
    let checks: [Check; 4] = [
        ("goroutines", |s| s.goroutines, 200.0),
        ("RSS KiB", |s| s.rss_kib, 16.0 * 1024.0),
        ("open fds", |s| s.fds, 32.0),
        ("armed timers", |s| s.timers, 500.0),
    ];
    let mut out = Vec::new();
    for (name, f, slack) in checks {
        let (a, b) = (mean(first, f), mean(last, f));
        println!("soak: {name}: first third {a:.0}, last third {b:.0}");
        if b > a * 1.25 + slack {
            out.push(format!("{name} grew: {a:.0} -> {b:.0}"));
        }
    }
    out
}

fn main() {
    let mut secs = 60u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--secs" => secs = args.next().and_then(|v| v.parse().ok()).expect("--secs N"),
            other => {
                eprintln!("soak: unknown argument {other:?}\nusage: soak [--secs N]");
                std::process::exit(2);
            }
        }
    }
    // The watchdog: progress must not stop for 60 s.
    std::thread::spawn(|| {
        let mut last = OPS.load(Relaxed);
        let mut still = 0;
        loop {
            std::thread::sleep(Duration::from_secs(10));
            let now = OPS.load(Relaxed);
            still = if now == last { still + 10 } else { 0 };
            last = now;
            if still >= 60 {
                eprintln!("soak: FAILURE: no progress for 60 s");
                goro::runtime::dump();
                std::process::exit(1);
            }
        }
    });
    let start = Instant::now();
    let samples = goro::run(async move {
        let (stop, stop_fn) = Context::background().with_timeout(Duration::from_secs(secs));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        let loads = WaitGroup::new();
        // The server outlives the clients: it stops after the loads have finished.
        let (server_stop, stop_server) = Context::background().with_cancel();
        let server = goro::go(echo_server(listener, server_stop));
        loads.go(repeat(stop.clone(), chan_round));
        loads.go(repeat(stop.clone(), mutex_round));
        loads.go(repeat(stop.clone(), timer_round));
        loads.go(repeat(stop.clone(), context_round));
        loads.go(repeat(stop.clone(), move |r| tcp_round(r, addr)));

        let mut samples = Vec::new();
        let mut last_ops = 0;
        let mut last_print = Instant::now();
        println!(
            "{:>6} {:>10} {:>10} {:>6} {:>7} {:>10}",
            "secs", "goroutines", "RSS MiB", "fds", "timers", "ops/s"
        );
        let mut tick = 0u64;
        while stop.err().is_none() {
            goro::select! {
                _ = sleep(Duration::from_secs(1)) => {}
                _ = stop.done() => break,
            }
            tick += 1;
            let s = sample();
            samples.push(s);
            if tick % 10 == 0 {
                let ops = OPS.load(Relaxed);
                let rate = (ops - last_ops) as f64 / last_print.elapsed().as_secs_f64();
                last_ops = ops;
                last_print = Instant::now();
                println!(
                    "{:>6} {:>10} {:>10.1} {:>6} {:>7} {:>10.0}",
                    start.elapsed().as_secs(),
                    s.goroutines,
                    s.rss_kib / 1024.0,
                    s.fds,
                    s.timers,
                    rate
                );
            }
        }
        loads.wait().await;
        stop_server.cancel();
        let _ = server.await;
        stop_fn.cancel();
        samples
    });
    let fin = sample();
    println!(
        "soak: {} s, {} operations; after the load: goroutines {}, fds {}, timers {}",
        start.elapsed().as_secs(),
        OPS.load(Relaxed),
        fin.goroutines,
        fin.fds,
        fin.timers
    );
    let grew = growth(&samples);
    for g in &grew {
        eprintln!("soak: FAILURE: {g}");
    }
    let failures = FAILURES.load(Relaxed);
    if failures > 0 || !grew.is_empty() {
        eprintln!("soak: FAILED ({failures} check failures)");
        std::process::exit(1);
    }
    println!("soak: OK (nothing lost, nothing grew)");
}
