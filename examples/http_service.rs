//! An HTTP/1.1 JSON service on goro, with graceful shutdown: hyper 1.x serving
//! `goro::net` connections through `smol-hyper`'s adapter for the futures-io traits.
//! It ports the Go service built on `net/http`'s `http.Server` with
//! `signal.NotifyContext` and `srv.Shutdown(ctx)` (the graceful-shutdown pattern of
//! the `net/http` documentation).
//!
//! ```text
//! cargo run --example http_service -- --addr 127.0.0.1:8080
//! curl -s localhost:8080/health                                # {"status":"ok"}
//! curl -s 'localhost:8080/hello?name=gopher'                   # {"message":"hello, gopher"}
//! curl -s -d '{"numbers":[1,2,3]}' localhost:8080/sum          # {"count":3,"sum":6}
//! curl -s 'localhost:8080/slow?ms=2000' & kill -INT %%        # Ctrl-C: drains, then exits
//! cargo run --example http_service -- --addr 127.0.0.1:0 --requests 3   # stops after 3
//! ```
//!
//! Routes: `GET /health`, `GET /hello?name=..`, `POST /sum` with a JSON body
//! `{"numbers": [i64, ..]}`, `GET /slow?ms=N` (answers after N ms, at most 10 s: an
//! in-flight request to watch the drain), `GET /stats`. Errors are JSON too
//! (`{"error": ".."}`) with 400, 404, 405, 413 (bodies over 64 KiB) or 422.
//!
//! Shape of the service (what Go's `net/http` server does for you), built from goro's
//! own parts:
//! - one goroutine accepts, in a `select!` on the service's [`Context`] being done and
//!   `listener.accept()`; one goroutine per connection, started with
//!   [`WaitGroup::go`], runs hyper's HTTP/1.1 state machine (keep-alive, pipelining,
//!   a 10 s limit on reading request headers, timed by goro's timing wheel through
//!   a small `hyper::rt::Timer`). Their `JoinHandle`s are dropped at
//!   once (which detaches them): the `WaitGroup` is the only record of them, so
//!   nothing accumulates over a long run.
//! - shutdown: the `Context` is cancelled (SIGINT/Ctrl-C, SIGTERM, or `--requests N`
//!   received). Then: stop accepting (the listener is closed, new connections are
//!   refused); every connection, also watching the context, finishes its in-flight
//!   request and closes (hyper's `graceful_shutdown`, Go's `Server.Shutdown`); drain
//!   with `wg.wait()` bounded by `goro::time::timeout(--drain-secs)` (default 10);
//!   exit. A second Ctrl-C exits at once.
#![allow(dead_code)] // tests/http.rs includes this file as a module, without `main`.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use goro::context::{CancelFn, Context};
use goro::net::{TcpListener, TcpStream};
use goro::sync::WaitGroup;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};
use smol_hyper::rt::FuturesIo;

/// Largest request body accepted (larger: 413).
const MAX_BODY: usize = 64 * 1024;

/// Settings of [`serve`].
#[derive(Clone, Debug)]
pub struct Config {
    /// Shut down once this many requests have been received (they are still answered).
    pub max_requests: Option<u64>,
    /// How long shutdown waits for in-flight requests before giving up on them.
    pub drain: Duration,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_requests: None,
            drain: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// What a [`serve`] run did.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections: u64,
    pub requests: u64,
    /// Every connection finished within the drain time.
    pub drained: bool,
}

/// State shared by every connection's handlers.
struct App {
    requests: AtomicU64,
    connections: AtomicU64,
    config: Config,
    /// Done when the service shuts down.
    ctx: Context,
    /// Cancels `ctx` (used once `config.max_requests` requests have come in).
    stop: CancelFn,
    /// One count per live connection goroutine.
    conns: WaitGroup,
}

/// Serves HTTP/1.1 on `listener` until `ctx` is done (or `config.max_requests`
/// requests have come in), then drains: stops accepting, lets in-flight requests
/// finish (at most `config.drain`), and returns.
pub async fn serve(listener: TcpListener, ctx: Context, config: Config) -> io::Result<Stats> {
    let (ctx, stop) = ctx.with_cancel();
    let app = Arc::new(App {
        requests: AtomicU64::new(0),
        connections: AtomicU64::new(0),
        config,
        ctx: ctx.clone(),
        stop,
        conns: WaitGroup::new(),
    });
    let mut backoff = Duration::from_millis(5);
    loop {
        // Accept, unless the service is shutting down.
        let accepted = goro::select! {
            _ = ctx.done() => break,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff = Duration::from_millis(5);
                app.connections.fetch_add(1, Ordering::Relaxed);
                // Detached: the WaitGroup tracks it until it returns.
                drop(app.conns.go(serve_conn(stream, peer, app.clone())));
            }
            Err(e) => {
                // Out of file descriptors and the like: back off as Go's http.Server
                // does (5 ms doubling up to 1 s), and keep serving.
                eprintln!("http_service: accept: {e}; retrying in {backoff:?}");
                goro::select! {
                    _ = ctx.done() => break,
                    _ = goro::time::sleep(backoff) => {},
                }
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
    // Close the listener first: from here on, new connections are refused.
    drop(listener);
    let drained = goro::time::timeout(app.config.drain, app.conns.wait())
        .await
        .is_ok();
    Ok(Stats {
        connections: app.connections.load(Ordering::Relaxed),
        requests: app.requests.load(Ordering::Relaxed),
        drained,
    })
}

/// One connection: hyper's HTTP/1.1 server over the goro stream, shut down
/// gracefully when the service is.
async fn serve_conn(stream: TcpStream, peer: SocketAddr, app: Arc<App>) {
    let ctx = app.ctx.clone();
    let timeout = app.config.header_timeout;
    let service = service_fn(move |req| handle(req, app.clone()));
    let mut builder = http1::Builder::new();
    builder.timer(GoroTimer).header_read_timeout(timeout);
    let mut conn = pin!(builder.serve_connection(FuturesIo::new(stream), service));
    let result = goro::select! {
        result = conn.as_mut() => result,
        _ = ctx.done() => {
            // Finish the request in flight (if any), then close; an idle keep-alive
            // connection closes at once.
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        if !e.is_incomplete_message() {
            eprintln!("http_service: {peer}: {e}");
        }
    }
}

/// hyper's timers (the header read timeout) on goro's timing wheel.
#[derive(Clone, Copy, Debug)]
struct GoroTimer;

/// A `goro::time::SleepFuture` as a `hyper::rt::Sleep`.
struct GoroSleep(goro::time::SleepFuture);

impl Future for GoroSleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl hyper::rt::Sleep for GoroSleep {}

impl hyper::rt::Timer for GoroTimer {
    fn sleep(&self, d: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(GoroSleep(goro::time::sleep(d)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(GoroSleep(goro::time::sleep_until(deadline)))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<GoroSleep>() {
            Some(s) => Pin::new(&mut s.get_mut().0).reset(deadline),
            None => *sleep = self.sleep_until(deadline),
        }
    }
}

#[derive(Deserialize)]
struct SumRequest {
    numbers: Vec<i64>,
}

#[derive(Serialize)]
struct SumResponse {
    sum: i64,
    count: usize,
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(value).expect("serializable");
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

fn error(status: StatusCode, msg: impl Into<String>) -> Response<Full<Bytes>> {
    json(status, &serde_json::json!({ "error": msg.into() }))
}

fn query<'a>(req: &'a Request<Incoming>, key: &str) -> Option<&'a str> {
    req.uri()
        .query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

async fn handle(
    req: Request<Incoming>,
    app: Arc<App>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let n = app.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if app.config.max_requests.is_some_and(|max| n >= max) {
        app.stop.cancel(); // this request is still answered: it is in flight
    }
    let resp = match (req.method(), req.uri().path()) {
        (&Method::GET, "/health") => json(StatusCode::OK, &serde_json::json!({ "status": "ok" })),
        (&Method::GET, "/hello") => {
            let name = query(&req, "name").unwrap_or("world").replace('+', " ");
            json(
                StatusCode::OK,
                &serde_json::json!({ "message": format!("hello, {name}") }),
            )
        }
        (&Method::GET, "/stats") => json(
            StatusCode::OK,
            &serde_json::json!({
                "requests": app.requests.load(Ordering::Relaxed),
                "connections": app.connections.load(Ordering::Relaxed),
                "open": app.conns.count(),
            }),
        ),
        (&Method::GET, "/slow") => match query(&req, "ms").map(str::parse::<u64>) {
            Some(Ok(ms)) => {
                let ms = ms.min(10_000);
                goro::time::sleep(Duration::from_millis(ms)).await;
                json(StatusCode::OK, &serde_json::json!({ "slept_ms": ms }))
            }
            _ => error(StatusCode::BAD_REQUEST, "want /slow?ms=N"),
        },
        (&Method::POST, "/sum") => sum(req).await,
        (_, "/health" | "/hello" | "/stats" | "/slow" | "/sum") => {
            error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        (_, path) => error(StatusCode::NOT_FOUND, format!("no route for {path}")),
    };
    Ok(resp)
}

async fn sum(req: Request<Incoming>) -> Response<Full<Bytes>> {
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("body over {MAX_BODY} bytes"),
            );
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("reading body: {e}")),
    };
    let parsed: SumRequest = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
    };
    let total = parsed
        .numbers
        .iter()
        .try_fold(0i64, |acc, &x| acc.checked_add(x));
    match total {
        Some(sum) => json(
            StatusCode::OK,
            &SumResponse {
                sum,
                count: parsed.numbers.len(),
            },
        ),
        None => error(StatusCode::UNPROCESSABLE_ENTITY, "sum overflows i64"),
    }
}

fn main() -> io::Result<()> {
    let mut addr = "127.0.0.1:8080".to_string();
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| usage(&format!("{name} needs a number")))
        };
        match a.as_str() {
            "--addr" => addr = args.next().unwrap_or_else(|| usage("--addr HOST:PORT")),
            "--requests" => config.max_requests = Some(num("--requests")),
            "--drain-secs" => config.drain = Duration::from_secs(num("--drain-secs")),
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    goro::run(async move {
        let listener = TcpListener::bind(addr.as_str()).await?;
        // On stdout, for scripts that start it on port 0.
        println!("listening on http://{}", listener.local_addr()?);
        let (ctx, cancel) = Context::background().with_cancel();
        watch_signals(cancel)?;
        let stats = serve(listener, ctx, config).await?;
        eprintln!(
            "http_service: stopped after {} requests on {} connections{}",
            stats.requests,
            stats.connections,
            if stats.drained {
                ""
            } else {
                " (drain timed out)"
            }
        );
        Ok(())
    })
}

/// Ctrl-C (SIGINT) or SIGTERM cancels the service's context; a second one exits at
/// once. The watcher is a detached goroutine (it ends with the process).
fn watch_signals(cancel: CancelFn) -> io::Result<()> {
    use async_signal::{Signal, Signals};
    use futures_lite::StreamExt;

    #[cfg(unix)]
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    #[cfg(not(unix))]
    let mut signals = Signals::new([Signal::Int])?;
    drop(goro::go(async move {
        if let Some(Ok(sig)) = signals.next().await {
            eprintln!("http_service: {sig:?}: shutting down (again to exit now)");
            cancel.cancel();
        }
        if signals.next().await.is_some() {
            std::process::exit(130);
        }
    }));
    Ok(())
}

fn usage(msg: &str) -> ! {
    eprintln!(
        "http_service: {msg}\nusage: http_service [--addr HOST:PORT] [--requests N] [--drain-secs S]"
    );
    std::process::exit(2)
}
