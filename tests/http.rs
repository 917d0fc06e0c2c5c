//! The HTTP/1.1 JSON service example (examples/http_service.rs), served on
//! 127.0.0.1 port 0 and driven with real HTTP requests written on plain TCP:
//! routes, errors, keep-alive, a stalled client, and graceful shutdown (in-flight
//! requests finish, idle connections close, new connections are refused).
#![cfg(feature = "net")]

mod common;
#[path = "../examples/http_service.rs"]
mod http_service;

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use common::run_within;
use futures_lite::io::{AsyncBufReadExt, BufReader};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use goro::context::{CancelFn, Context};
use goro::net::{TcpListener, TcpStream};
use goro::time::timeout;
use http_service::{Config, Stats, serve};

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }
}

/// A minimal HTTP/1.1 client on one keep-alive connection.
struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Client {
    async fn connect(addr: SocketAddr) -> io::Result<Client> {
        let s = TcpStream::connect(addr).await?;
        Ok(Client {
            r: BufReader::new(s.clone()),
            w: s,
        })
    }

    async fn send(&mut self, method: &str, path: &str, body: &[u8]) -> io::Result<()> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.w.write_all(head.as_bytes()).await?;
        self.w.write_all(body).await
    }

    async fn response(&mut self) -> io::Result<Response> {
        timeout(Duration::from_secs(5), async {
            let mut line = String::new();
            if self.r.read_line(&mut line).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let status = line
                .strip_prefix("HTTP/1.1 ")
                .and_then(|s| s.get(..3))
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("bad status line {line:?}"));
            let mut headers = Vec::new();
            loop {
                line.clear();
                self.r.read_line(&mut line).await?;
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                let (k, v) = l.split_once(':').expect("header line");
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; len];
            self.r.read_exact(&mut body).await?;
            Ok(Response {
                status,
                headers,
                body: String::from_utf8(body).unwrap(),
            })
        })
        .await?
    }

    async fn request(&mut self, method: &str, path: &str, body: &[u8]) -> io::Result<Response> {
        self.send(method, path, body).await?;
        self.response().await
    }

    /// Waits for the server to close the connection.
    async fn expect_eof(&mut self) -> io::Result<()> {
        let mut rest = Vec::new();
        timeout(Duration::from_secs(5), self.r.read_to_end(&mut rest)).await??;
        assert!(rest.is_empty(), "unexpected bytes: {rest:?}");
        Ok(())
    }
}

/// Starts the service on 127.0.0.1:0 with a context cancelled by the returned
/// `CancelFn`.
async fn start(
    config: Config,
) -> io::Result<(SocketAddr, CancelFn, goro::JoinHandle<io::Result<Stats>>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (ctx, cancel) = Context::background().with_cancel();
    let server = goro::go(serve(listener, ctx, config));
    Ok((addr, cancel, server))
}

#[test]
fn routes_errors_and_keep_alive() {
    run_within(20, async {
        let (addr, shutdown, server) = start(Config::default()).await?;
        let mut c = Client::connect(addr).await?;

        // Several requests on one keep-alive connection.
        let r = c.request("GET", "/health", b"").await?;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.json(), serde_json::json!({ "status": "ok" }));

        let r = c.request("GET", "/hello?name=gopher", b"").await?;
        assert_eq!(r.json()["message"], "hello, gopher");

        let r = c
            .request("POST", "/sum", br#"{"numbers":[1,2,3,-10]}"#)
            .await?;
        assert_eq!(
            (r.status, r.json()),
            (200, serde_json::json!({ "sum": -4, "count": 4 }))
        );

        // Bad input: JSON errors, overflow, unknown routes, wrong methods, big bodies.
        let r = c.request("POST", "/sum", b"{not json").await?;
        assert_eq!(r.status, 400);
        assert!(r.json()["error"].as_str().unwrap().contains("invalid JSON"));
        let r = c.request("POST", "/sum", br#"{"numbers":"x"}"#).await?;
        assert_eq!(r.status, 400);
        let big = format!(r#"{{"numbers":[{},{}]}}"#, i64::MAX, 1);
        let r = c.request("POST", "/sum", big.as_bytes()).await?;
        assert_eq!(r.status, 422);
        let r = c.request("GET", "/nope", b"").await?;
        assert_eq!(r.status, 404);
        let r = c.request("DELETE", "/health", b"").await?;
        assert_eq!(r.status, 405);
        let r = c.request("GET", "/slow?ms=x", b"").await?;
        assert_eq!(r.status, 400);
        let huge = vec![b'1'; 70 * 1024];
        let r = c.request("POST", "/sum", &huge).await?;
        assert_eq!(r.status, 413);

        // A second connection, and the server's counters.
        let mut c2 = Client::connect(addr).await?;
        let r = c2.request("GET", "/stats", b"").await?;
        assert_eq!(r.json()["connections"], 2);

        // Garbage instead of HTTP: an error response or a closed connection, and
        // the server keeps serving.
        let mut bad = TcpStream::connect(addr).await?;
        bad.write_all(b"\x00\x01 not http\r\n\r\n").await?;
        let mut junk = Vec::new();
        timeout(Duration::from_secs(5), bad.read_to_end(&mut junk)).await??;
        assert!(
            junk.is_empty() || junk.starts_with(b"HTTP/1.1 400"),
            "{junk:?}"
        );
        assert_eq!(c.request("GET", "/health", b"").await?.status, 200);

        shutdown.cancel();
        let stats = server.await.unwrap()?;
        assert!(stats.drained);
        assert_eq!(stats.connections, 3);
        c.expect_eof().await?;
        c2.expect_eof().await?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn graceful_shutdown_finishes_in_flight_requests() {
    run_within(20, async {
        // The second request received triggers the shutdown (like --requests 2).
        let config = Config {
            max_requests: Some(2),
            ..Config::default()
        };
        let (addr, _shutdown, server) = start(config).await?;

        // An idle keep-alive connection...
        let mut idle = Client::connect(addr).await?;
        assert_eq!(idle.request("GET", "/health", b"").await?.status, 200);

        // ...and a request in flight when the shutdown starts.
        let mut busy = Client::connect(addr).await?;
        let r = busy.request("GET", "/slow?ms=300", b"").await?;
        assert_eq!((r.status, r.json()["slept_ms"].as_u64()), (200, Some(300)));
        assert_eq!(r.header("connection"), Some("close"));
        busy.expect_eof().await?;
        // The idle connection is closed without waiting.
        idle.expect_eof().await?;

        let stats = server.await.unwrap()?;
        assert!(stats.drained);
        assert_eq!((stats.requests, stats.connections), (2, 2));
        // The listener is closed: new connections are refused.
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn stalled_client_is_cut_off() {
    run_within(20, async {
        let config = Config {
            header_timeout: Duration::from_millis(200),
            ..Config::default()
        };
        let (addr, shutdown, server) = start(config).await?;
        // Half a request line, then nothing: the header timeout closes the
        // connection (hyper may answer 408 first).
        let mut stalled = TcpStream::connect(addr).await?;
        stalled.write_all(b"GET /health HTTP/1.1\r\nHo").await?;
        let mut got = Vec::new();
        timeout(Duration::from_secs(5), stalled.read_to_end(&mut got)).await??;
        assert!(
            got.is_empty() || got.starts_with(b"HTTP/1.1 408"),
            "{got:?}"
        );
        // Others are still served.
        let mut c = Client::connect(addr).await?;
        assert_eq!(c.request("GET", "/health", b"").await?.status, 200);
        shutdown.cancel();
        assert!(server.await.unwrap()?.drained);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn closed_connections_leave_nothing_behind() {
    // Connection goroutines are detached and counted by a WaitGroup only: once a
    // client hangs up, its goroutine ends and the count ("open" in /stats) drops.
    run_within(20, async {
        let (addr, shutdown, server) = start(Config::default()).await?;
        for _ in 0..20 {
            let mut c = Client::connect(addr).await?;
            assert_eq!(c.request("GET", "/health", b"").await?.status, 200);
        }
        let mut probe = Client::connect(addr).await?;
        let mut open = -1;
        for _ in 0..1000 {
            open = probe.request("GET", "/stats", b"").await?.json()["open"]
                .as_i64()
                .unwrap();
            if open == 1 {
                break;
            }
            goro::yield_now().await;
        }
        assert_eq!(open, 1, "only the probe's connection should be open");
        shutdown.cancel();
        let stats = server.await.unwrap()?;
        assert!(stats.drained);
        assert_eq!(stats.connections, 21);
        assert!(stats.requests > 20, "{stats:?}");
        io::Result::Ok(())
    })
    .unwrap();
}

/// The built example binary, when `cargo test` has built it from the current source
/// (plain `cargo test` builds the examples; `cargo test --test http` does not).
#[cfg(unix)]
fn example_binary() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?; // target/<profile>/deps/http-<hash>
    let bin = exe
        .parent()?
        .parent()?
        .join("examples")
        .join("http_service");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/http_service.rs");
    let built = std::fs::metadata(&bin).ok()?.modified().ok()?;
    (built >= std::fs::metadata(src).ok()?.modified().ok()?).then_some(bin)
}

#[test]
#[cfg(unix)]
fn ctrl_c_drains_and_exits() {
    use std::io::BufRead;
    use std::process::{Child, Command, Stdio};

    let Some(bin) = example_binary() else {
        eprintln!("skipped: examples/http_service not built from the current source");
        return;
    };
    /// Kills the server if the test fails half-way.
    struct Kill(Option<Child>);
    impl Drop for Kill {
        fn drop(&mut self) {
            if let Some(mut c) = self.0.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
    let mut child = Kill(Some(
        Command::new(bin)
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start examples/http_service"),
    ));
    let pid = child.0.as_ref().unwrap().id();
    let stdout = child.0.as_mut().unwrap().stdout.take().unwrap();
    common::within(20, move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let addr: SocketAddr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        goro::run(async move {
            let mut slow = Client::connect(addr).await?;
            slow.send("GET", "/slow?ms=300", b"").await?;
            // Wait until the slow request is in flight: /stats counts it (and itself).
            let mut probe = Client::connect(addr).await?;
            let mut seen = 0;
            for _ in 0..1000 {
                seen = probe.request("GET", "/stats", b"").await?.json()["requests"]
                    .as_u64()
                    .unwrap();
                if seen >= 2 {
                    break;
                }
                goro::yield_now().await;
            }
            assert!(seen >= 2, "the slow request never arrived");
            // Ctrl-C.
            let killed = Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status()?;
            assert!(killed.success());
            // The in-flight request is answered in full, then the connections close.
            let r = slow.response().await?;
            assert_eq!((r.status, r.json()["slept_ms"].as_u64()), (200, Some(300)));
            slow.expect_eof().await?;
            probe.expect_eof().await?;
            io::Result::Ok(())
        })
        .unwrap();
    });
    // The process exits by itself, successfully (`child` kills it if it does not).
    let mut server = child.0.take().unwrap();
    let exit = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        common::within(10, move || server.wait().unwrap())
    }));
    match exit {
        Ok(exit) => assert!(exit.success(), "http_service exited with {exit}"),
        Err(p) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            std::panic::resume_unwind(p)
        }
    }
}
