//! goro's reactor under load: two runtimes doing I/O with each other through the
//! one reactor, and a stress of partial reads and writes (the readiness cache must
//! never lose an edge).
#![cfg(feature = "net")]

mod common;

use std::io;

use common::within;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use goro::net::{TcpListener, TcpStream, UnixStream};

/// One echo round trip of `msg` over `conn`, whose peer echoes.
async fn round_trip(conn: &mut TcpStream, msg: &[u8]) -> io::Result<()> {
    conn.write_all(msg).await?;
    let mut back = vec![0; msg.len()];
    conn.read_exact(&mut back).await?;
    assert_eq!(back, msg);
    Ok(())
}

/// An echo loop over `conn` until EOF, on whatever polls it.
async fn echo(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

#[test]
fn two_runtimes_talk_over_tcp() {
    // The client's runtime and the server's runtime share the one reactor: whichever
    // worker polls wakes goroutines of the other runtime through its injector.
    within(60, || {
        let rt_server = goro::Builder::new().workers(2).build();
        let rt_client = goro::Builder::new().workers(2).build();
        let listener = rt_server
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            rt_server.block_on(async move {
                let mut wg = Vec::new();
                for _ in 0..8 {
                    let (conn, _) = listener.accept().await?;
                    wg.push(goro::go(echo(conn)));
                }
                for h in wg {
                    h.await.unwrap()?;
                }
                io::Result::Ok(())
            })
        });
        rt_client.block_on(async move {
            let clients: Vec<_> = (0..8u8)
                .map(|i| {
                    goro::go(async move {
                        let mut c = TcpStream::connect(addr).await?;
                        for k in 0..500u32 {
                            let msg = [i.wrapping_add(k as u8); 64];
                            round_trip(&mut c, &msg).await?;
                        }
                        io::Result::Ok(())
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap().unwrap();
            }
        });
        server.join().unwrap().unwrap();
    });
}

#[test]
fn partial_reads_and_writes_lose_nothing() {
    // 16 Unix socket pairs; on each, one goroutine writes 1 MiB in chunks of varying
    // size while another reads with buffers of varying size. Small socket buffers
    // force short writes and short reads (both clear the cached readiness), so every
    // edge matters: a lost one hangs the test, a duplicated or reordered byte fails
    // the check.
    common::run_within(60, async {
        const N: usize = 1 << 20;
        let mut hs = Vec::new();
        for p in 0..16u64 {
            let (a, b) = UnixStream::pair().unwrap();
            hs.push(goro::go(async move {
                let mut a = a;
                let writer = goro::go(async move {
                    let data: Vec<u8> = (0..N).map(|i| (i % 253) as u8).collect();
                    let mut off = 0;
                    let mut x = p.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                    while off < N {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let len = (1 + (x % 70_000) as usize).min(N - off);
                        a.write_all(&data[off..off + len]).await?;
                        off += len;
                    }
                    a.close().await
                });
                let mut b = b;
                let mut got = 0usize;
                let mut buf = vec![0u8; 50_000];
                let mut x = p.wrapping_add(7).wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
                loop {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let want = 1 + (x % buf.len() as u64) as usize;
                    let n = b.read(&mut buf[..want]).await?;
                    if n == 0 {
                        break;
                    }
                    for (i, &byte) in buf[..n].iter().enumerate() {
                        assert_eq!(byte, ((got + i) % 253) as u8, "pair {p}, byte {}", got + i);
                    }
                    got += n;
                }
                writer.await.unwrap()?;
                assert_eq!(got, N);
                io::Result::Ok(())
            }));
        }
        for h in hs {
            h.await.unwrap().unwrap();
        }
    });
}

#[test]
fn concurrent_readers_of_one_stream_wait_quietly() {
    // Two goroutines read one stream at once through clones (Go code shares a
    // net.Conn like this). While nothing arrives they must sleep, not wake each
    // other in a loop; when bytes arrive both get one.
    common::run_within(20, async {
        use std::future::Future;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let (a, mut b) = UnixStream::pair().unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (a, polls) = (a.clone(), polls.clone());
                goro::go(async move {
                    let mut buf = [0u8; 1];
                    let mut a_ref = &a;
                    let mut read = std::pin::pin!(a_ref.read(&mut buf));
                    let n = std::future::poll_fn(|cx| {
                        polls.fetch_add(1, SeqCst);
                        read.as_mut().poll(cx)
                    })
                    .await?;
                    assert_eq!(n, 1);
                    io::Result::Ok(buf[0])
                })
            })
            .collect();
        // An observation window with nothing to read.
        goro::time::sleep(std::time::Duration::from_millis(200)).await;
        let idle = polls.load(SeqCst);
        assert!(
            idle <= 10,
            "two idle readers were polled {idle} times in 200 ms"
        );
        b.write_all(&[1, 2]).await.unwrap();
        let mut got: Vec<u8> = Vec::new();
        for r in readers {
            got.push(r.await.unwrap().unwrap());
        }
        got.sort();
        assert_eq!(got, [1, 2]);
    });
}
