//! A read/write TCP client (The Go Programming Language, 8.2 `netcat1` and 8.4
//! `netcat3`): copies the connection to stdout and, in a second goroutine, stdin to
//! the connection.
//!
//! ```text
//! cargo run --example clock_server -- --clients 1 --ticks 3 &
//! cargo run --example netcat -- --addr 127.0.0.1:8000 < /dev/null   # prints 3 times
//! cargo run --example echo_server &
//! cargo run --example netcat -- --addr 127.0.0.1:8001               # type lines, Ctrl-D
//! ```
//!
//! It exits when the server closes the connection. When stdin ends (Ctrl-D, or a
//! closed pipe), the write side is shut down (Go's `CloseWrite`), so the server sees
//! end-of-file, and netcat waits for the rest of the server's output. With
//! `--no-stdin` it only reads (`netcat1`).

use std::io::{self, Read, Write};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use goro::net::TcpStream;

fn main() -> io::Result<()> {
    let mut addr = "127.0.0.1:8000".to_string();
    let mut send_stdin = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().expect("--addr HOST:PORT"),
            "--no-stdin" => send_stdin = false,
            other => {
                eprintln!(
                    "netcat: unknown argument {other:?}\nusage: netcat [--addr HOST:PORT] [--no-stdin]"
                );
                std::process::exit(2);
            }
        }
    }
    goro::run(async move {
        let conn = TcpStream::connect(addr.as_str()).await?;
        let (mut from_server, mut to_server) = conn.split();

        // netcat3: stdin -> connection, in a goroutine of its own. Reading stdin blocks,
        // so each read runs on goro's blocking pool (`unblock`).
        let sender = send_stdin.then(|| {
            goro::go(async move {
                loop {
                    let chunk = goro::unblock(|| {
                        let mut buf = vec![0; 8192];
                        let n = io::stdin().lock().read(&mut buf)?;
                        buf.truncate(n);
                        io::Result::Ok(buf)
                    })
                    .await?;
                    if chunk.is_empty() {
                        // End of stdin: half-close, the server reads end-of-file.
                        return to_server.close().await;
                    }
                    to_server.write_all(&chunk).await?;
                }
            })
        });

        // netcat1: connection -> stdout, until the server closes it.
        let mut buf = [0; 8192];
        loop {
            let n = from_server.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            let mut out = io::stdout().lock();
            out.write_all(&buf[..n])?;
            out.flush()?;
        }
        // The server is done; a sender still blocked on stdin is dropped with main.
        drop(sender);
        Ok(())
    })
}
