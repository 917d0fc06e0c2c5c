//! A TCP echo server (The Go Programming Language, 8.3: the echo of `reverb1`,
//! without the delays, and the `net` package's `io.Copy(c, c)`): one goroutine per
//! connection sends back every byte it receives.
//!
//! ```text
//! cargo run --example echo_server                            # forever (Ctrl-C)
//! cargo run --example echo_server -- --addr 127.0.0.1:8001 --clients 1
//! cargo run --example netcat -- --addr 127.0.0.1:8001         # type lines, Ctrl-D
//! ```
//!
//! `--clients N` serves N connections, waits until they are closed and exits.
//! `--shout` answers each line the way `reverb1` does (upper case, then as is, then
//! lower case, half a second apart).

use std::io;
use std::time::Duration;

use futures_lite::io::{AsyncBufReadExt, BufReader};
use futures_lite::{AsyncWriteExt, StreamExt};
use goro::net::{TcpListener, TcpStream};

/// Copies the connection back to itself until the client closes it.
async fn echo(conn: TcpStream) -> io::Result<u64> {
    let (from, to) = conn.split();
    futures_lite::io::copy(from, to).await
}

/// reverb1: each line comes back three times, as a shout, then fading.
async fn reverb(conn: TcpStream) -> io::Result<u64> {
    let (from, mut to) = conn.split();
    let mut lines = BufReader::new(from).lines();
    let mut n = 0;
    while let Some(line) = lines.next().await {
        let line = line?;
        for (i, s) in [line.to_uppercase(), line.clone(), line.to_lowercase()]
            .iter()
            .enumerate()
        {
            if i > 0 {
                goro::time::sleep(Duration::from_millis(500)).await;
            }
            to.write_all(format!("\t{s}\n").as_bytes()).await?;
        }
        n += 1;
    }
    Ok(n)
}

fn main() -> io::Result<()> {
    let mut addr = "127.0.0.1:8001".to_string();
    let mut clients: Option<usize> = None;
    let mut shout = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().expect("--addr HOST:PORT"),
            "--clients" => {
                clients = Some(
                    args.next()
                        .and_then(|v| v.parse().ok())
                        .expect("--clients N"),
                )
            }
            "--shout" => shout = true,
            other => {
                eprintln!(
                    "echo_server: unknown argument {other:?}\nusage: echo_server [--addr HOST:PORT] [--clients N] [--shout]"
                );
                std::process::exit(2);
            }
        }
    }
    goro::run(async move {
        let listener = TcpListener::bind(addr.as_str()).await?;
        eprintln!("echo_server: listening on {}", listener.local_addr()?);
        // Counts the live connection goroutines; their handles are dropped (detached).
        let conns = goro::sync::WaitGroup::new();
        let mut incoming = listener.incoming();
        let mut served = 0;
        while clients.is_none_or(|n| served < n) {
            let conn = match incoming.next().await {
                Some(Ok(conn)) => conn,
                Some(Err(e)) => {
                    eprintln!("echo_server: accept: {e}");
                    goro::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                None => break,
            };
            served += 1;
            drop(conns.go(async move {
                let peer = conn.peer_addr().map_or("?".into(), |a| a.to_string());
                let done = if shout {
                    reverb(conn).await
                } else {
                    echo(conn).await
                };
                match done {
                    Ok(n) => eprintln!(
                        "echo_server: {peer}: done ({n} {})",
                        if shout { "lines" } else { "bytes" }
                    ),
                    Err(e) => eprintln!("echo_server: {peer}: {e}"),
                }
            }));
        }
        conns.wait().await;
        Ok(())
    })
}
