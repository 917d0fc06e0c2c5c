//! A per-client rate limiter, as a Go server would write one (the common Go pattern
//! of a `map[string]*visitor` of `rate.Limiter`s behind a `sync.Mutex`, with a
//! cleanup goroutine on a `time.Ticker`): a token bucket per client id in a map
//! behind a mutex (`goro::sync::Mutex<HashMap<..>>`), and a background goroutine
//! that wakes on a `goro::time::tick` and evicts the clients not seen for a while. Simulated clients make requests; every request prints
//! whether it was allowed or limited, and the janitor prints whom it evicted.
//!
//! ```text
//! cargo run --example rate_limiter                 # "seconds" of 20 ms: done in ~0.2 s
//! cargo run --example rate_limiter -- --scale 1    # real seconds (about 10 s)
//! ```
//!
//! The limits (in the example's seconds, all multiplied by `--scale`): each client
//! may burst 3 requests and then gets 1 more per second; a client idle for 3 s is
//! forgotten; the janitor looks every second. The clients:
//!
//! - `alice` bursts 5 requests (3 allowed, 2 limited), waits 2 s, tries twice more
//!   (2 allowed: the bucket refilled);
//! - `bob` makes a request every 1.2 s, below the rate: all allowed;
//! - `carol` makes 2 requests and leaves: evicted about 3 s later;
//! - `dave` makes 4 requests at once (one limited), leaves for 5 s (evicted), and
//!   comes back to a fresh, full bucket.
//!
//! Main waits for the clients, cancels the janitor's `Context` and prints who is left.
//!
//! All its time comes from `goro::time` (`now`, `sleep`, `tick`, context deadlines),
//! so `tests/synctest_examples.rs` runs [`simulate`] at full scale (real seconds) in
//! a synctest bubble and checks every answer and eviction to the exact virtual
//! instant, in microseconds of real time.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use goro::context::Context;
use goro::sync::{Mutex, WaitGroup};
use goro::time::{sleep, tick};

/// The limiter's settings, in real time (already scaled).
#[derive(Clone, Copy)]
pub struct Limits {
    /// Requests a client may make at once.
    burst: f64,
    /// The time it takes to earn one more request.
    refill: Duration,
    /// A client not seen for this long is forgotten.
    idle: Duration,
    /// How often the janitor looks.
    sweep: Duration,
}

/// One client's token bucket.
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
    last_seen: Instant,
}

/// The per-client limiter shared by all request handlers.
struct Limiter {
    limits: Limits,
    clients: Mutex<HashMap<String, Bucket>>,
    start: Instant,
    /// Everything printed, as `(time since start, line)`.
    log: std::sync::Mutex<Vec<(Duration, String)>>,
}

impl Limiter {
    fn new(limits: Limits) -> Limiter {
        Limiter {
            limits,
            clients: Mutex::new(HashMap::new()),
            start: goro::time::now(),
            log: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Prints `line` with a time stamp and records it.
    fn say(&self, line: String) {
        let at = goro::time::now() - self.start;
        println!("[{at:>7.1?}] {line}");
        self.log.lock().unwrap().push((at, line));
    }

    /// Takes a token from `client`'s bucket; `Ok(tokens left)` or `Err(())` when
    /// the client is over its rate. A new client starts with a full bucket.
    async fn allow(&self, client: &str) -> Result<u32, ()> {
        let now = goro::time::now();
        let mut clients = self.clients.lock().await;
        let b = clients.entry(client.to_string()).or_insert(Bucket {
            tokens: self.limits.burst,
            refilled_at: now,
            last_seen: now,
        });
        let earned = (now - b.refilled_at).as_secs_f64() / self.limits.refill.as_secs_f64();
        b.tokens = (b.tokens + earned).min(self.limits.burst);
        b.refilled_at = now;
        b.last_seen = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(b.tokens as u32)
        } else {
            Err(())
        }
    }

    /// The janitor: every `sweep`, forget the clients idle for longer than `idle`;
    /// returns when `ctx` is done.
    async fn evict_idle(&self, ctx: Context) {
        let ticker = tick(self.limits.sweep);
        loop {
            goro::select! {
                _ = ctx.done() => return,
                now = ticker.recv() => {
                    let now = now.expect("a ticker's channel never closes");
                    let mut clients = self.clients.lock().await;
                    clients.retain(|id, b| {
                        let idle = now.saturating_duration_since(b.last_seen);
                        let keep = idle <= self.limits.idle;
                        if !keep {
                            self.say(format!("janitor: evicted {id} (idle {idle:.0?})"));
                        }
                        keep
                    });
                }
            }
        }
    }
}

/// A client: requests at the given offsets (in the example's seconds, from its
/// previous request), printing each answer.
async fn client(limiter: Arc<Limiter>, id: &'static str, pauses: &[f64], unit: Duration) {
    for (n, &pause) in pauses.iter().enumerate() {
        sleep(unit.mul_f64(pause)).await;
        let verdict = match limiter.allow(id).await {
            Ok(left) => format!("allowed ({left} left)"),
            Err(()) => "LIMITED".to_string(),
        };
        limiter.say(format!("{id:<5} request {}: {verdict}", n + 1));
    }
}

/// `--scale F` (default 0.02): the length of the example's "second" in seconds.
fn scale() -> f64 {
    let mut args = std::env::args().skip(1);
    let mut scale = 0.02;
    while let Some(a) = args.next() {
        match (a.as_str(), args.next().map(|v| v.parse::<f64>())) {
            ("--scale", Some(Ok(f))) if f > 0.0 && f.is_finite() => scale = f,
            _ => {
                eprintln!("usage: rate_limiter [--scale F]  (F > 0, default 0.02)");
                std::process::exit(2);
            }
        }
    }
    scale
}

/// Runs the example with the example's "second" lasting `unit`; returns what it
/// printed, as `(time since start, line)`.
pub async fn simulate(unit: Duration) -> Vec<(Duration, String)> {
    let limits = Limits {
        burst: 3.0,
        refill: unit,
        idle: unit * 3,
        sweep: unit,
    };
    let limiter = Arc::new(Limiter::new(limits));
    limiter.say(format!(
        "burst {}, then 1 request per {:?}; clients idle for {:?} are evicted",
        limits.burst, limits.refill, limits.idle
    ));

    let (ctx, stop_janitor) = Context::background().with_cancel();
    let janitor = {
        let limiter = limiter.clone();
        goro::go(async move { limiter.evict_idle(ctx).await })
    };

    let wg = WaitGroup::new();
    let clients: [(&'static str, &'static [f64]); 4] = [
        ("alice", &[0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0]),
        ("bob", &[0.0, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2]),
        ("carol", &[0.5, 0.0]),
        ("dave", &[0.2, 0.0, 0.0, 0.0, 5.0]),
    ];
    for (id, pauses) in clients {
        let limiter = limiter.clone();
        wg.go(async move { client(limiter, id, pauses, unit).await });
    }
    wg.wait().await;

    stop_janitor.cancel();
    janitor.await.unwrap();
    let mut left: Vec<String> = limiter.clients.lock().await.keys().cloned().collect();
    left.sort();
    limiter.say(format!("done; clients still tracked: {}", left.join(", ")));
    std::mem::take(&mut *limiter.log.lock().unwrap())
}

fn main() {
    let unit = Duration::from_secs_f64(scale());
    goro::run(simulate(unit));
}
