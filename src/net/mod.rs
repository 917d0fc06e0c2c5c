//! Networking: TCP, UDP and Unix-domain sockets for goroutines (Go's `net`).
//!
//! This module mirrors the parts of Go's [`net`](https://pkg.go.dev/net) package that
//! servers and clients use every day: [`TcpListener`] (Go's `net.Listen("tcp", ..)`
//! and `Accept`), [`TcpStream`] (`net.Dial`, `net.DialTimeout`, `*net.TCPConn`),
//! [`UdpSocket`] (`net.ListenUDP`, `*net.UDPConn`) and, on Unix,
//! [`UnixListener`], [`UnixStream`] and [`UnixDatagram`] (`net.Listen("unix", ..)`).
//!
//! ```no_run
//! use futures_lite::io::copy;
//! use futures_lite::StreamExt;
//!
//! // Go: ln, _ := net.Listen("tcp", ":8000"); for { c, _ := ln.Accept(); go io.Copy(c, c) }
//! goro::run(async {
//!     let listener = goro::net::TcpListener::bind("127.0.0.1:8000").await?;
//!     let mut incoming = listener.incoming();
//!     while let Some(conn) = incoming.next().await {
//!         let conn = conn?;
//!         goro::go(async move {
//!             let (r, w) = conn.split();
//!             let _ = copy(r, w).await;
//!         });
//!     }
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```
//!
//! # Where goro differs from Go, and why
//!
//! - **Reads and writes are `.await`ed**: every stream (TCP, Unix) implements the futures-io
//!   [`AsyncRead`](futures_lite::io::AsyncRead) and
//!   [`AsyncWrite`](futures_lite::io::AsyncWrite) traits (bring
//!   `futures_lite::{AsyncReadExt, AsyncWriteExt}` into scope for `read`, `write_all`,
//!   `read_exact`, ...). A goroutine waiting on a socket costs no thread. Because the
//!   traits are the standard ones of the smol ecosystem, its crates (`async-tls`,
//!   `smol-hyper`, `async-tungstenite`, ...) run on goro's sockets unchanged.
//! - **The netpoller.** On Linux (and Android) goro has its own reactor, as Go's
//!   `runtime/netpoll_epoll.go`: each socket is registered once, edge-triggered, its
//!   readiness is cached, and an idle worker waits in `epoll_wait` with its next
//!   timer deadline, so a ready socket wakes its goroutine on that worker. An echo
//!   round trip costs the five system calls tokio's costs (two `send`s, two
//!   successful `recv`s, one `recv` that finds nothing yet). With no goro runtime in
//!   the process a `goro-netpoll` thread polls instead, so goro's sockets also work
//!   from other executors. Elsewhere the sockets use the portable
//!   [`async-io`](https://docs.rs/async-io) reactor (kqueue, IOCP, poll). Sockets made
//!   by async-io-based crates (`async-net`, `async-process`) work inside goroutines
//!   too, woken by async-io's own thread.
//! - **Concrete types instead of `net.Conn` / `net.Listener` interfaces.** Go's
//!   `net.Dial("tcp"|"udp"|"unix", ..)` is a type here (`TcpStream::connect`, ...).
//! - **No deadlines on the socket** (`SetReadDeadline` and friends). Bound any
//!   operation with `goro::time::timeout` (or a `select!` against a timer or a
//!   `Context`) instead; dropping the operation's future cancels it cleanly, which is
//!   what a deadline does in Go. Only [`TcpStream::connect_timeout`] (Go's
//!   `DialTimeout`) takes a duration.
//! - **Closing is dropping.** A socket closes when its last handle is dropped; there is
//!   no `Close` that interrupts another goroutine's pending `Accept` or `Read`. To stop
//!   an accept loop, race `accept()` against a shutdown signal (see the
//!   `http_service` example).
//! - **Sharing.** Go's `net.Conn` may be used from several goroutines at once. Here
//!   [`TcpStream`], [`UdpSocket`] and [`UnixStream`] are cheap to [`Clone`] (handles
//!   to one socket) and `&TcpStream` implements the I/O traits too; [`TcpStream::split`]
//!   gives an owned read half and write half for a reader goroutine and a writer
//!   goroutine. Several goroutines may read (or write) one stream at once, as in Go:
//!   each read gets a distinct part of the byte stream, which part is up to the
//!   scheduler. On Linux the waiting readers sleep and the next event wakes them all;
//!   elsewhere (async-io) concurrent readers of one stream keep waking each other
//!   while they wait, so keep to one reader and one writer there. Any number of
//!   goroutines may wait in `accept` on one listener, or in `recv_from` on one UDP
//!   socket.
//! - **`TCP_NODELAY` is on** for every [`TcpStream`], connected or accepted, as in Go
//!   (Rust's std leaves Nagle's algorithm on). [`TcpStream::set_nodelay`] turns it off.
//! - **Errors are [`std::io::Error`]s.** Errors of `connect`, `bind` and name look-ups
//!   say what was tried, like Go's `*net.OpError`
//!   (`connect tcp 127.0.0.1:1: Connection refused (os error 111)`), and keep the
//!   original error's [`ErrorKind`](std::io::ErrorKind) and, as `source()`, the
//!   original error. Read and write errors are the operating system's, unwrapped.
//! - **No TCP keep-alive by default** (Go turns it on, every 15 s): std has no
//!   option for it; set it on the descriptor (`AsFd`) with e.g. `socket2` if needed.
//!   A host name with several addresses is dialled one address after the other, not
//!   with Go's "Happy Eyeballs" race between IPv6 and IPv4.
//! - **Host names** are resolved with the system resolver on a blocking thread
//!   ([`crate::unblock`]); literal addresses are parsed without one. See
//!   [`ToSocketAddrs`].

mod addr;
mod io;
mod split;
mod tcp;
mod udp;
#[cfg(unix)]
mod unix;

pub use addr::ToSocketAddrs;
pub use split::{ReadHalf, WriteHalf};
pub use tcp::{Incoming, TcpListener, TcpStream};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixDatagram, UnixIncoming, UnixListener, UnixStream};
