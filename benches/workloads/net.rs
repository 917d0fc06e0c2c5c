//! W10 tcp-echo (`benches/WORKLOADS.md`): an echo server on 127.0.0.1 (port 0), one
//! goroutine (task) per connection; C = 100 clients in the same process each connect
//! and do R = 10,000 round trips of a 64-byte message (write it, read 64 bytes back,
//! check them). Figure: wall / (C * R) in ns per round trip, from before the first
//! connect until every client is done. `--scale` scales R only (C stays 100, as in
//! Go's version). Every loop is bounded by C and R; a watchdog exits the process when a
//! run takes longer than max(1 min, 100 us per round trip).
//!
//! The three Rust versions are the same program: the server echoes with a plain
//! read / write_all loop (Go's `io.Copy` on a TCP connection makes the same three
//! syscalls per message), every socket, client and server side, has `TCP_NODELAY` set explicitly
//! (Go's default and goro's; tokio's and smol's need it set).
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::common::{Workload, scaled};

const C: usize = 100;
const SIZE: usize = 64;

pub fn workloads() -> Vec<Workload> {
    vec![Workload {
        id: "W10",
        unit: "ns/roundtrip",
        goro: goro_echo,
        tokio: tokio_echo,
        smol: smol_echo,
        extra: vec![("floor-kernel", kernel_floor)],
    }]
}

/// Round `k` of client `i`: both numbers in the first 8 bytes, then a pattern of both
/// (as Go's version), so a mixed-up, stale or reordered echo fails the check.
fn message(msg: &mut [u8; SIZE], i: usize, k: usize) {
    msg[0..4].copy_from_slice(&(i as u32).to_le_bytes());
    msg[4..8].copy_from_slice(&(k as u32).to_le_bytes());
    for (j, b) in msg.iter_mut().enumerate().skip(8) {
        *b = (i + k + j) as u8;
    }
}

/// Exits the process (status 1) unless dropped within `limit`.
struct Watchdog(Option<mpsc::Sender<()>>);

impl Watchdog {
    fn new(who: &'static str, rounds: usize) -> Watchdog {
        let limit = Duration::from_secs(60).max(Duration::from_micros(100 * (C * rounds) as u64));
        let (tx, rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                eprintln!("W10 ({who}): not done after {limit:?}");
                std::process::exit(1);
            }
        });
        Watchdog(Some(tx))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

fn check_and_report(who: &str, rounds: usize, checked: u64, echoed: u64, elapsed: Duration) -> f64 {
    let want = (C * rounds * SIZE) as u64;
    assert!(
        checked == want && echoed == want,
        "W10 ({who}): {checked} bytes checked and {echoed} echoed, want {want}"
    );
    eprintln!("W10 ({who}): {C} clients x {rounds} round trips of {SIZE} bytes in {elapsed:?}");
    elapsed.as_nanos() as f64 / (C * rounds) as f64
}

// ---------------------------------------------------------------------------- goro

fn goro_echo(scale: f64) -> f64 {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use goro::net::{TcpListener, TcpStream};

    let rounds = scaled(10_000, scale);
    let _watchdog = Watchdog::new("goro", rounds);
    goro::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("W10: bind");
        let addr = listener.local_addr().unwrap();
        let server = goro::go(async move {
            let mut conns = Vec::with_capacity(C);
            for _ in 0..C {
                let (mut conn, _) = listener.accept().await.expect("W10: accept");
                conn.set_nodelay(true).unwrap(); // goro's default; set as the peers do
                conns.push(goro::go(async move {
                    let mut buf = [0u8; 4096];
                    let mut echoed = 0u64;
                    loop {
                        let n = conn.read(&mut buf).await.expect("W10: echo read");
                        if n == 0 {
                            return echoed;
                        }
                        conn.write_all(&buf[..n]).await.expect("W10: echo write");
                        echoed += n as u64;
                    }
                }));
            }
            let mut echoed = 0;
            for c in conns {
                echoed += c.await.unwrap();
            }
            echoed
        });
        let client = |addr: SocketAddr, i: usize| async move {
            let mut conn = TcpStream::connect(addr).await.expect("W10: connect");
            conn.set_nodelay(true).unwrap(); // goro's default; set as the peers do
            let mut msg = [0u8; SIZE];
            let mut reply = [0u8; SIZE];
            for k in 0..rounds {
                message(&mut msg, i, k);
                conn.write_all(&msg).await.expect("W10: client write");
                conn.read_exact(&mut reply).await.expect("W10: client read");
                assert_eq!(reply, msg, "W10: client {i} round {k}");
            }
            (rounds * SIZE) as u64
        };
        let start = Instant::now();
        let clients: Vec<_> = (0..C).map(|i| goro::go(client(addr, i))).collect();
        let mut checked = 0;
        for c in clients {
            checked += c.await.unwrap();
        }
        let elapsed = start.elapsed();
        let echoed = server.await.unwrap();
        check_and_report("goro", rounds, checked, echoed, elapsed)
    })
}

// --------------------------------------------------------------------------- tokio

fn tokio_echo(scale: f64) -> f64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    let rounds = scaled(10_000, scale);
    let _watchdog = Watchdog::new("tokio", rounds);
    super::common::tokio_main(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("W10: bind");
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let mut conns = Vec::with_capacity(C);
            for _ in 0..C {
                let (mut conn, _) = listener.accept().await.expect("W10: accept");
                conn.set_nodelay(true).unwrap();
                conns.push(tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let mut echoed = 0u64;
                    loop {
                        let n = conn.read(&mut buf).await.expect("W10: echo read");
                        if n == 0 {
                            return echoed;
                        }
                        conn.write_all(&buf[..n]).await.expect("W10: echo write");
                        echoed += n as u64;
                    }
                }));
            }
            let mut echoed = 0;
            for c in conns {
                echoed += c.await.unwrap();
            }
            echoed
        });
        let client = |addr: SocketAddr, i: usize| async move {
            let mut conn = TcpStream::connect(addr).await.expect("W10: connect");
            conn.set_nodelay(true).unwrap();
            let mut msg = [0u8; SIZE];
            let mut reply = [0u8; SIZE];
            for k in 0..rounds {
                message(&mut msg, i, k);
                conn.write_all(&msg).await.expect("W10: client write");
                conn.read_exact(&mut reply).await.expect("W10: client read");
                assert_eq!(reply, msg, "W10: client {i} round {k}");
            }
            (rounds * SIZE) as u64
        };
        let start = Instant::now();
        let clients: Vec<_> = (0..C).map(|i| tokio::spawn(client(addr, i))).collect();
        let mut checked = 0;
        for c in clients {
            checked += c.await.unwrap();
        }
        let elapsed = start.elapsed();
        let echoed = server.await.unwrap();
        check_and_report("tokio", rounds, checked, echoed, elapsed)
    })
}

// ---------------------------------------------------------------------------- smol

fn smol_echo(scale: f64) -> f64 {
    use async_io::Async;
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    use std::net::{TcpListener, TcpStream};

    let rounds = scaled(10_000, scale);
    let _watchdog = Watchdog::new("smol", rounds);
    super::common::smol_main(move |ex| async move {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).expect("W10: bind");
        let addr = listener.get_ref().local_addr().unwrap();
        let server = ex.spawn(async move {
            let mut conns = Vec::with_capacity(C);
            for _ in 0..C {
                let (mut conn, _) = listener.accept().await.expect("W10: accept");
                conn.get_ref().set_nodelay(true).unwrap();
                conns.push(ex.spawn(async move {
                    let mut buf = [0u8; 4096];
                    let mut echoed = 0u64;
                    loop {
                        let n = conn.read(&mut buf).await.expect("W10: echo read");
                        if n == 0 {
                            return echoed;
                        }
                        conn.write_all(&buf[..n]).await.expect("W10: echo write");
                        echoed += n as u64;
                    }
                }));
            }
            let mut echoed = 0;
            for c in conns {
                echoed += c.await;
            }
            echoed
        });
        let client = |addr: SocketAddr, i: usize| async move {
            let mut conn = Async::<TcpStream>::connect(addr)
                .await
                .expect("W10: connect");
            conn.get_ref().set_nodelay(true).unwrap();
            let mut msg = [0u8; SIZE];
            let mut reply = [0u8; SIZE];
            for k in 0..rounds {
                message(&mut msg, i, k);
                conn.write_all(&msg).await.expect("W10: client write");
                conn.read_exact(&mut reply).await.expect("W10: client read");
                assert_eq!(reply, msg, "W10: client {i} round {k}");
            }
            (rounds * SIZE) as u64
        };
        let start = Instant::now();
        let clients: Vec<_> = (0..C).map(|i| ex.spawn(client(addr, i))).collect();
        let mut checked = 0;
        for c in clients {
            checked += c.await;
        }
        let elapsed = start.elapsed();
        let echoed = server.await;
        check_and_report("smol", rounds, checked, echoed, elapsed)
    })
}

// ---------------------------------------------------------------------- the floor

/// What the kernel alone costs for W10's traffic: the same C connections and round
/// trips with no runtime, no readiness and no wake-ups. Blocking std sockets; each of
/// `workers()` threads drives its share of the client/server pairs in lockstep
/// (client write, server read, server write, client read: the four system calls every
/// round trip needs; over loopback the bytes are queued before `write` returns). No
/// runtime can go below this on the same machine; it is reported next to W10.
pub fn kernel_floor(scale: f64) -> f64 {
    use std::io::{Read, Write};
    let rounds = scaled(10_000, scale);
    let _watchdog = Watchdog::new("floor", rounds);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("floor: bind");
    let addr = listener.local_addr().unwrap();
    let mut pairs: Vec<_> = (0..C)
        .map(|_| {
            let c = std::net::TcpStream::connect(addr).expect("floor: connect");
            let (s, _) = listener.accept().expect("floor: accept");
            c.set_nodelay(true).unwrap();
            s.set_nodelay(true).unwrap();
            (c, s)
        })
        .collect();
    let threads = super::common::workers().clamp(1, C);
    let start = Instant::now();
    let mut handles = Vec::new();
    for t in 0..threads {
        let share = C / threads + usize::from(t < C % threads);
        let mut mine: Vec<_> = pairs.drain(..share).collect();
        handles.push(std::thread::spawn(move || {
            let mut msg = [0u8; SIZE];
            let mut reply = [0u8; SIZE];
            let mut buf = [0u8; 4096];
            for k in 0..rounds {
                for (i, (c, s)) in mine.iter_mut().enumerate() {
                    message(&mut msg, i, k);
                    c.write_all(&msg).expect("floor: client write");
                    let mut got = 0;
                    while got < SIZE {
                        let n = s.read(&mut buf[got..]).expect("floor: server read");
                        assert!(n > 0, "floor: early EOF");
                        got += n;
                    }
                    s.write_all(&buf[..got]).expect("floor: server write");
                    c.read_exact(&mut reply).expect("floor: client read");
                    assert_eq!(reply, msg, "floor: pair {i} round {k}");
                }
            }
        }));
    }
    for h in handles {
        h.join().expect("floor thread");
    }
    start.elapsed().as_nanos() as f64 / (C * rounds) as f64
}
