//! goro::net: TCP, UDP and Unix sockets from goroutines, and their faults.
//! Every test is bounded by `run_within`; loopback addresses only.
#![cfg(feature = "net")]

mod common;

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use common::run_within;
use futures_lite::io::{AsyncBufReadExt, BufReader};
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};
use goro::net::{TcpListener, TcpStream, UdpSocket};
// Go's read deadline: `timeout(d, read).await?` is the read's own `io::Result`; the
// `?` fails with an error of kind `TimedOut` when `d` passes first.
use goro::time::timeout;

/// An echo server on 127.0.0.1:0 serving `n` connections, one goroutine each. The
/// returned handle finishes when all `n` are served (the connections' handles are
/// kept and awaited for that).
async fn echo_server(n: usize) -> io::Result<(SocketAddr, goro::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = goro::go(async move {
        let mut conns = Vec::new();
        for _ in 0..n {
            let (conn, _) = listener.accept().await.expect("accept");
            conns.push(goro::go(async move {
                let (r, w) = conn.split();
                let _ = futures_lite::io::copy(r, w).await;
            }));
        }
        for c in conns {
            c.await.unwrap();
        }
    });
    Ok((addr, server))
}

/// A port on 127.0.0.1 that nobody listens on (bound, then closed).
fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

#[test]
fn echo_many_clients() {
    run_within(20, async {
        let clients = 20;
        let (addr, server) = echo_server(clients).await?;
        let mut handles = Vec::new();
        for i in 0..clients {
            handles.push(goro::go(async move {
                let mut conn = TcpStream::connect(addr).await?;
                assert!(conn.nodelay()?, "TCP_NODELAY is on by default, as in Go");
                for k in 0..50u32 {
                    let msg = format!("client {i} round {k:>4}\n");
                    conn.write_all(msg.as_bytes()).await?;
                    let mut back = vec![0; msg.len()];
                    conn.read_exact(&mut back).await?;
                    assert_eq!(back, msg.as_bytes());
                }
                io::Result::Ok(())
            }));
        }
        for h in handles {
            h.await.unwrap()?;
        }
        server.await.unwrap();
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn incoming_stream_and_addresses() {
    run_within(10, async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        assert!(addr.ip().is_loopback() && addr.port() != 0);
        let dialer = goro::go(async move {
            let mut conns = Vec::new();
            for _ in 0..3 {
                conns.push(TcpStream::connect(addr).await?);
            }
            io::Result::Ok(conns)
        });
        let accepted: Vec<TcpStream> = listener.incoming().take(3).try_collect().await?;
        let dialed = dialer.await.unwrap()?;
        let mut peers: Vec<_> = accepted.iter().map(|c| c.peer_addr().unwrap()).collect();
        let mut locals: Vec<_> = dialed.iter().map(|c| c.local_addr().unwrap()).collect();
        peers.sort();
        locals.sort();
        assert_eq!(peers, locals);
        for c in &dialed {
            assert_eq!(c.peer_addr()?, addr);
        }
        assert!(format!("{:?}", dialed[0]).contains("TcpStream"));
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn several_goroutines_accept_on_one_listener() {
    // Go's pattern: N goroutines all blocked in ln.Accept(). Each must get its own
    // connection (no lost wake-up, no busy ping-pong between waiters).
    run_within(10, async {
        let listener = std::sync::Arc::new(TcpListener::bind("127.0.0.1:0").await?);
        let addr = listener.local_addr()?;
        let acceptors: Vec<_> = (0..4)
            .map(|_| {
                let listener = listener.clone();
                goro::go(async move {
                    let (mut conn, _) = listener.accept().await?;
                    let mut b = [0; 1];
                    conn.read_exact(&mut b).await?;
                    io::Result::Ok(b[0])
                })
            })
            .collect();
        let mut conns = Vec::new();
        for i in 0..4u8 {
            let mut c = TcpStream::connect(addr).await?;
            c.write_all(&[i]).await?;
            conns.push(c);
        }
        let mut got = Vec::new();
        for a in acceptors {
            got.push(a.await.unwrap()?);
        }
        got.sort();
        assert_eq!(got, [0, 1, 2, 3]);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn split_halves_in_two_goroutines() {
    // Both sides write 1 MiB while reading: a deadlock if reading and writing the
    // same connection from two goroutines did not work (the socket buffers are
    // much smaller than 1 MiB).
    run_within(20, async {
        const N: usize = 1 << 20;
        let (addr, _server) = echo_server(1).await?;
        let (mut r, mut w) = TcpStream::connect(addr).await?.split();
        let writer = goro::go(async move {
            let chunk: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
            for _ in 0..N / chunk.len() {
                w.write_all(&chunk).await?;
            }
            w.close().await // half-close: the echo server sees EOF and closes
        });
        let mut got = Vec::with_capacity(N);
        r.read_to_end(&mut got).await?;
        writer.await.unwrap()?;
        assert_eq!(got.len(), N);
        assert!(
            got.chunks(4096)
                .all(|c| c.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8))
        );
        assert!(r.get_ref().local_addr().is_ok());
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn shared_ref_and_clone_do_io() {
    run_within(10, async {
        let (addr, _server) = echo_server(1).await?;
        let conn = TcpStream::connect(addr).await?;
        let other = conn.clone();
        (&conn).write_all(b"via &TcpStream\n").await?;
        let mut lines = BufReader::new(other).lines();
        assert_eq!(lines.next().await.unwrap()?, "via &TcpStream");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn half_close_then_reply() {
    // The client shuts down its write side; the server reads to EOF, then replies.
    run_within(10, async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = goro::go(async move {
            let (mut conn, _) = listener.accept().await?;
            let mut req = String::new();
            conn.read_to_string(&mut req).await?;
            conn.write_all(format!("got {} bytes", req.len()).as_bytes())
                .await?;
            conn.close().await
        });
        let mut conn = TcpStream::connect(addr).await?;
        conn.write_all(b"12345").await?;
        conn.shutdown(Shutdown::Write)?;
        let mut reply = String::new();
        conn.read_to_string(&mut reply).await?;
        assert_eq!(reply, "got 5 bytes");
        server.await.unwrap()
    })
    .unwrap();
}

#[test]
fn connect_to_closed_port_is_refused() {
    run_within(10, async {
        let addr = closed_port();
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("connect tcp") && msg.contains(&addr.to_string()),
            "{msg}"
        );
        // The OS error is kept as the source.
        let source = std::error::Error::source(&err).expect("source");
        assert!(
            source.to_string().to_lowercase().contains("refused"),
            "{source}"
        );
        // The same through connect_timeout.
        let err = TcpStream::connect_timeout(addr, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn bad_addresses_are_errors() {
    run_within(10, async {
        let err = TcpStream::connect("not an address").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        let err = TcpStream::connect("127.0.0.1:99999").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        let empty: &[SocketAddr] = &[];
        let err = TcpStream::connect(empty).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
        // A port in use.
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let taken = listener.local_addr()?;
        let err = TcpListener::bind(taken).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
        assert!(err.to_string().contains(&taken.to_string()), "{err}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn localhost_name_is_resolved() {
    // "localhost" goes through the system resolver (on a blocking thread); it names
    // loopback addresses only. Binding to 127.0.0.1 and dialling the name must work
    // even when the name resolves to ::1 first (refused, then the next is tried).
    run_within(10, async {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let conn = TcpStream::connect(format!("localhost:{port}")).await?;
        let (_server, peer) = listener.accept().await?;
        assert_eq!(conn.local_addr()?, peer);
        let conn2 = TcpStream::connect(("localhost", port)).await?;
        assert!(conn2.peer_addr()?.ip().is_loopback());
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn connect_timeout_when_backlog_is_full() {
    // A listener with a backlog of 0 that never accepts: once its queue is full the
    // kernel drops further SYNs, so a connect stalls until its timeout.
    run_within(20, async {
        let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
        sock.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
        sock.listen(0)?;
        let addr = sock.local_addr()?.as_socket().unwrap();
        let mut held = Vec::new();
        let mut timed_out = None;
        for _ in 0..16 {
            match TcpStream::connect_timeout(addr, Duration::from_millis(300)).await {
                Ok(c) => held.push(c),
                Err(e) => {
                    timed_out = Some(e);
                    break;
                }
            }
        }
        let err = timed_out.expect("a connect to a full backlog should time out");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        // Go's wording: `connect tcp 127.0.0.1:PORT: timed out after 300ms`.
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("connect tcp {addr}: ")), "{msg}");
        assert!(msg.contains("timed out"), "{msg}");
        drop(sock);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn peer_reset_is_an_error() {
    run_within(10, async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut conn = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        // SO_LINGER 0: closing sends RST instead of FIN.
        socket2::SockRef::from(&server).set_linger(Some(Duration::ZERO))?;
        drop(server);
        let mut buf = [0; 16];
        let err = timeout(Duration::from_secs(5), conn.read(&mut buf))
            .await?
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
        // Writing to a reset connection fails too (no SIGPIPE, no panic).
        let mut write_err = None;
        for _ in 0..100 {
            if let Err(e) = conn.write_all(&[0; 1024]).await {
                write_err = Some(e);
                break;
            }
        }
        let e = write_err.expect("writes to a reset connection fail");
        assert!(
            matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ),
            "{e}"
        );
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn stalled_peer_read_times_out_and_stream_stays_usable() {
    run_within(10, async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut conn = TcpStream::connect(listener.local_addr()?).await?;
        let (mut server, _) = listener.accept().await?;
        let mut buf = [0; 4];
        let err = io::Error::from(
            timeout(Duration::from_millis(100), conn.read_exact(&mut buf))
                .await
                .unwrap_err(),
        );
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        // Dropping the read future lost nothing: a later read gets the data.
        server.write_all(b"late").await?;
        timeout(Duration::from_secs(5), conn.read_exact(&mut buf)).await??;
        assert_eq!(&buf, b"late");
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn eof_after_peer_closes() {
    run_within(10, async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut conn = TcpStream::connect(listener.local_addr()?).await?;
        let (server, _) = listener.accept().await?;
        drop(server);
        assert_eq!(conn.read(&mut [0; 8]).await?, 0);
        let err = conn.read_exact(&mut [0; 8]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn zero_length_reads_and_writes_return_at_once() {
    // Go's `conn.Read(nil)` returns 0 without waiting; so do std's and async-io's.
    // Here the stream has nothing to read and its readiness was cleared by a
    // read that found nothing, so a read that waited for readiness would hang.
    run_within(10, async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let mut conn = TcpStream::connect(listener.local_addr()?).await?;
        let (mut server, _) = listener.accept().await?;
        let mut b = [0; 1];
        assert!(
            timeout(Duration::from_millis(20), conn.read(&mut b))
                .await
                .is_err()
        );
        assert_eq!(
            timeout(Duration::from_secs(5), conn.read(&mut [])).await??,
            0
        );
        assert_eq!(timeout(Duration::from_secs(5), conn.write(&[])).await??, 0);
        // Nothing was consumed or sent: the stream works as before.
        server.write_all(b"y").await?;
        conn.read_exact(&mut b).await?;
        assert_eq!(&b, b"y");
        #[cfg(unix)]
        {
            let (mut a, _b) = goro::net::UnixStream::pair()?;
            assert_eq!(timeout(Duration::from_secs(5), a.read(&mut [])).await??, 0);
        }
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn async_io_sockets_work_in_goroutines() {
    // The smol ecosystem's sockets (async-net is `async_io::Async<T>`) run inside
    // goroutines, next to goro's own, and talk to them: async-io's reactor is
    // driven by its own thread while goro's workers wait in goro's netpoller.
    run_within(10, async {
        let smol_listener = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0))?;
        let addr = smol_listener.get_ref().local_addr()?;
        let server = goro::go(async move {
            let (mut conn, _) = smol_listener.accept().await?;
            let mut b = [0; 5];
            conn.read_exact(&mut b).await?;
            conn.write_all(&b).await?;
            io::Result::Ok(())
        });
        let mut conn = TcpStream::connect(addr).await?;
        conn.write_all(b"hello").await?;
        let mut b = [0; 5];
        timeout(Duration::from_secs(5), conn.read_exact(&mut b)).await??;
        assert_eq!(&b, b"hello");
        server.await.unwrap()?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn std_conversions() {
    run_within(10, async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = std_listener.local_addr()?;
        let listener = TcpListener::try_from(std_listener)?;
        let std_conn = std::net::TcpStream::connect(addr)?;
        let mut conn = TcpStream::try_from(std_conn)?;
        let (mut server, _) = listener.accept().await?;
        conn.write_all(b"x").await?;
        let mut b = [0; 1];
        server.read_exact(&mut b).await?;
        assert_eq!(&b, b"x");
        listener.set_ttl(42)?;
        assert_eq!(listener.ttl()?, 42);
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn udp_send_to_recv_from_and_connected() {
    run_within(10, async {
        let a = UdpSocket::bind("127.0.0.1:0").await?;
        let b = UdpSocket::bind("127.0.0.1:0").await?;
        let (a_addr, b_addr) = (a.local_addr()?, b.local_addr()?);
        // An echo goroutine on b.
        let echo = {
            let b = b.clone();
            goro::go(async move {
                let mut buf = [0; 64];
                for _ in 0..10 {
                    let (n, from) = b.recv_from(&mut buf).await?;
                    b.send_to(&buf[..n], from).await?;
                }
                io::Result::Ok(())
            })
        };
        for i in 0..5u8 {
            a.send_to(&[i; 8], b_addr).await?;
            let mut buf = [0; 64];
            let (n, from) = timeout(Duration::from_secs(5), a.recv_from(&mut buf)).await??;
            assert_eq!((n, from, buf[0]), (8, b_addr, i));
        }
        a.connect(b_addr).await?;
        assert_eq!(a.peer_addr()?, b_addr);
        for i in 0..5u8 {
            a.send(&[i; 3]).await?;
            let mut buf = [0; 64];
            let n = timeout(Duration::from_secs(5), a.recv(&mut buf)).await??;
            assert_eq!((n, buf[0]), (3, i));
        }
        echo.await.unwrap()?;
        assert!(b.peer_addr().is_err());
        let _ = a_addr;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn udp_errors() {
    run_within(10, async {
        let s = UdpSocket::bind("127.0.0.1:0").await?;
        // Not connected: "destination address required" (as in Go).
        assert!(s.send(b"x").await.is_err());
        // A datagram too large for UDP.
        let big = vec![0u8; 70_000];
        let err = s.send_to(&big, s.local_addr()?).await.unwrap_err();
        assert!(err.to_string().contains("write udp"), "{err}");
        // A connected socket whose peer port is closed: the ICMP "port unreachable"
        // comes back as ConnectionRefused on a later operation.
        let dead = std::net::UdpSocket::bind("127.0.0.1:0")?;
        let dead_addr = dead.local_addr()?;
        drop(dead);
        s.connect(dead_addr).await?;
        s.send(b"anyone?").await?;
        let err = timeout(Duration::from_secs(5), s.recv(&mut [0; 8]))
            .await?
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        io::Result::Ok(())
    })
    .unwrap();
}

#[cfg(unix)]
mod unix {
    use super::*;
    use goro::net::{UnixDatagram, UnixListener, UnixStream};

    fn sock_path(name: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("goro-net-{}-{name}.sock", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

    #[test]
    fn unix_stream_echo() {
        run_within(10, async {
            let path = sock_path("echo");
            let listener = UnixListener::bind(&path)?;
            let server = goro::go(async move {
                let mut incoming = listener.incoming();
                let mut conns = Vec::new();
                for _ in 0..2 {
                    let conn = incoming.next().await.unwrap()?;
                    conns.push(goro::go(async move {
                        let (r, w) = conn.split();
                        let _ = futures_lite::io::copy(r, w).await;
                    }));
                }
                io::Result::Ok(conns)
            });
            for i in 0..2u8 {
                let mut c = UnixStream::connect(&path).await?;
                c.write_all(&[i; 100]).await?;
                let mut back = [0; 100];
                c.read_exact(&mut back).await?;
                assert_eq!(back, [i; 100]);
            }
            for c in server.await.unwrap()? {
                c.await.unwrap();
            }
            std::fs::remove_file(&path)?;
            io::Result::Ok(())
        })
        .unwrap();
    }

    #[test]
    fn unix_errors_and_pairs() {
        run_within(10, async {
            let path = sock_path("missing");
            let err = UnixStream::connect(&path).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
            assert!(err.to_string().contains("connect unix"), "{err}");
            // A socket file nobody listens on any more.
            let stale = sock_path("stale");
            drop(UnixListener::bind(&stale)?);
            let err = UnixStream::connect(&stale).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
            let err = UnixListener::bind(&stale).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
            std::fs::remove_file(&stale)?;

            let (a, mut b) = UnixStream::pair()?;
            let (_ar, mut aw) = a.split();
            aw.write_all(b"half").await?;
            aw.close().await?;
            let mut s = String::new();
            b.read_to_string(&mut s).await?;
            assert_eq!(s, "half");

            let (x, y) = UnixDatagram::pair()?;
            x.send(b"dgram").await?;
            let mut buf = [0; 16];
            let n = y.recv(&mut buf).await?;
            assert_eq!(&buf[..n], b"dgram");

            let dpath = sock_path("dgram");
            let server = UnixDatagram::bind(&dpath)?;
            let client = UnixDatagram::unbound()?;
            client.send_to(b"to path", &dpath).await?;
            let (n, _) = server.recv_from(&mut buf).await?;
            assert_eq!(&buf[..n], b"to path");
            std::fs::remove_file(&dpath)?;
            io::Result::Ok(())
        })
        .unwrap();
    }
}
