//! A TCP clock server: every client gets the time once a second (The Go
//! Programming Language, 8.2, `clock1` and `clock2`).
//!
//! ```text
//! cargo run --example clock_server                          # concurrent (clock2), forever
//! cargo run --example clock_server -- --sequential          # one client at a time (clock1)
//! cargo run --example clock_server -- --addr 127.0.0.1:8000 --clients 2 --ticks 3
//! cargo run --example netcat -- --addr 127.0.0.1:8000       # in another terminal
//! ```
//!
//! `--clients N` serves N clients, waits for them and exits; `--ticks K` sends K
//! times to each client and then closes its connection (default: until the client
//! goes away). Without `--clients`, stop it with Ctrl-C.
//!
//! In Go, `clock1` handles one connection at a time: a second client waits until the
//! first disconnects. `clock2` adds one word, `go handleConn(conn)`; here it is
//! `goro::go(handle_conn(..))` (here through a `WaitGroup`, so that `--clients N` can
//! wait for the clients).

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_lite::AsyncWriteExt;
use goro::net::{TcpListener, TcpStream};

struct Options {
    addr: String,
    sequential: bool,
    clients: Option<usize>,
    ticks: Option<u64>,
}

fn options() -> Options {
    let mut o = Options {
        addr: "127.0.0.1:8000".into(),
        sequential: false,
        clients: None,
        ticks: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match a.as_str() {
            "--addr" => o.addr = value("--addr"),
            "--sequential" => o.sequential = true,
            "--clients" => {
                o.clients = Some(
                    value("--clients")
                        .parse()
                        .unwrap_or_else(|_| usage("--clients N")),
                )
            }
            "--ticks" => {
                o.ticks = Some(
                    value("--ticks")
                        .parse()
                        .unwrap_or_else(|_| usage("--ticks K")),
                )
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    o
}

fn usage(msg: &str) -> ! {
    eprintln!(
        "clock_server: {msg}\nusage: clock_server [--addr HOST:PORT] [--sequential] [--clients N] [--ticks K]"
    );
    std::process::exit(2)
}

/// The time of day in UTC as `15:04:05` (Go's layout in the book).
fn now_hms() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    format!("{h:02}:{m:02}:{s:02}\n")
}

/// Sends the time once a second until the client goes away (a write fails) or
/// `ticks` times.
async fn handle_conn(mut conn: TcpStream, ticks: Option<u64>) {
    let peer = conn.peer_addr().map_or("?".into(), |a| a.to_string());
    let mut sent = 0;
    while ticks.is_none_or(|t| sent < t) {
        if sent > 0 {
            goro::time::sleep(Duration::from_secs(1)).await;
        }
        if let Err(e) = conn.write_all(now_hms().as_bytes()).await {
            eprintln!("clock_server: {peer}: {e}"); // e.g. the client disconnected
            return;
        }
        sent += 1;
    }
}

fn main() -> io::Result<()> {
    let o = options();
    goro::run(async move {
        let listener = TcpListener::bind(o.addr.as_str()).await?;
        eprintln!(
            "clock_server: listening on {} ({})",
            listener.local_addr()?,
            if o.sequential {
                "sequential"
            } else {
                "concurrent"
            }
        );
        // Counts the live client goroutines; their handles are dropped (detached).
        let conns = goro::sync::WaitGroup::new();
        let mut served = 0;
        while o.clients.is_none_or(|n| served < n) {
            let (conn, peer) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    // e.g. out of file descriptors: wait a little, as Go's servers do.
                    eprintln!("clock_server: accept: {e}");
                    goro::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            eprintln!("clock_server: client {peer}");
            served += 1;
            if o.sequential {
                handle_conn(conn, o.ticks).await; // clock1: one at a time
            } else {
                drop(conns.go(handle_conn(conn, o.ticks))); // clock2: `go handleConn(conn)`
            }
        }
        conns.wait().await;
        Ok(())
    })
}
