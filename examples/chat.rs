//! A chat server (The Go Programming Language, 8.10): every line a client sends is
//! broadcast to every client, with arrivals and departures announced. The server
//! itself is in `examples/chat/server.rs` (shared with tests/chat.rs).
//!
//! ```text
//! cargo run --example chat                                   # forever (Ctrl-C)
//! cargo run --example netcat -- --addr 127.0.0.1:8000        # in two terminals or more
//! cargo run --example chat -- --addr 127.0.0.1:0 --clients 3 # exits after 3 clients left
//! ```
//!
//! `--addr` (default `127.0.0.1:8000`) is where it listens; the address it got is
//! printed on stdout first (`listening on 127.0.0.1:8000`). `--clients N` accepts N
//! clients, then exits once they have all left (`--clients 0` exits at once).

#[path = "chat/server.rs"]
mod server;

use std::io;

use goro::net::TcpListener;

fn main() -> io::Result<()> {
    let mut addr = "127.0.0.1:8000".to_string();
    let mut clients: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().unwrap_or_else(|| usage("--addr HOST:PORT")),
            "--clients" => {
                clients = Some(
                    args.next()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or_else(|| usage("--clients needs a number")),
                )
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    goro::run(async move {
        let listener = TcpListener::bind(addr.as_str()).await?;
        println!("listening on {}", listener.local_addr()?);
        server::serve(listener, clients).await
    })
}

fn usage(msg: &str) -> ! {
    eprintln!("chat: {msg}\nusage: chat [--addr HOST:PORT] [--clients N]");
    std::process::exit(2)
}
