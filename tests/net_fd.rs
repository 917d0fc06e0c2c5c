//! goro::net does not leak file descriptors: many connections opened and dropped
//! (cleanly, reset, refused, timed out) leave /proc/self/fd as it was.
//!
//! Alone in its own test binary (one process, one test) so that no other test opens
//! descriptors while it counts.
#![cfg(feature = "net")]

mod common;

use std::io;
use std::time::{Duration, Instant};

use common::run_within;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use goro::net::{TcpListener, TcpStream, UdpSocket};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
#[cfg(target_os = "linux")]
fn many_connections_leak_no_fd() {
    run_within(60, async {
        // Warm up: the reactor's own descriptors (epoll, its notifier) are created on
        // first use and live for the whole process.
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        {
            let _c = TcpStream::connect(addr).await?;
            let _s = listener.accept().await?;
        }
        let before = open_fds();
        let start = Instant::now();

        // 10,000 connections, from 10 client goroutines; the server accepts, reads
        // one byte, answers and drops each (inline, in the accept loop).
        const CLIENTS: usize = 10;
        const PER_CLIENT: usize = 1_000;
        let server = goro::go(async move {
            for _ in 0..CLIENTS * PER_CLIENT {
                let (mut conn, _) = listener.accept().await?;
                let mut b = [0; 1];
                if conn.read_exact(&mut b).await.is_ok() {
                    let _ = conn.write_all(&b).await;
                }
            }
            io::Result::Ok(listener)
        });
        let mut clients = Vec::new();
        for i in 0..CLIENTS {
            clients.push(goro::go(async move {
                for k in 0..PER_CLIENT {
                    let mut c = TcpStream::connect(addr).await?;
                    if k % 2 == 0 {
                        // Half of them do a round trip, the others just drop.
                        c.write_all(&[i as u8]).await?;
                        let mut b = [0; 1];
                        c.read_exact(&mut b).await?;
                        assert_eq!(b[0], i as u8);
                    } else {
                        c.write_all(&[i as u8]).await?;
                    }
                }
                io::Result::Ok(())
            }));
        }
        for c in clients {
            c.await.unwrap()?;
        }
        let listener = server.await.unwrap()?;
        eprintln!(
            "{} connections opened and dropped in {:?}",
            CLIENTS * PER_CLIENT,
            start.elapsed()
        );

        // Failures must not leak either: refused connects, timed-out connects,
        // failed binds.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?
        };
        for _ in 0..200 {
            assert!(TcpStream::connect(closed).await.is_err());
            assert!(TcpListener::bind(addr).await.is_err());
        }
        let full = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
        full.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
        full.listen(0)?;
        let full_addr = full.local_addr()?.as_socket().unwrap();
        let mut held = Vec::new();
        for _ in 0..16 {
            match TcpStream::connect_timeout(full_addr, Duration::from_millis(100)).await {
                Ok(c) => held.push(c),
                Err(e) => {
                    assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
                    break;
                }
            }
        }
        drop((held, full));
        for _ in 0..100 {
            let u = UdpSocket::bind("127.0.0.1:0").await?;
            u.send_to(b"x", u.local_addr()?).await?;
            u.recv_from(&mut [0; 1]).await?;
        }
        drop(listener);

        // The server goroutines drop their connections right after answering; give
        // the last few a bounded moment to finish.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut after = open_fds();
        while after > before && Instant::now() < deadline {
            goro::time::sleep(Duration::from_millis(10)).await;
            after = open_fds();
        }
        assert!(
            after <= before,
            "file descriptors leaked: {before} before, {after} after"
        );
        io::Result::Ok(())
    })
    .unwrap();
}
