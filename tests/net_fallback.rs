//! goro's sockets with no goro runtime in the process (the reactor's fallback
//! poller), polling handed from the fallback to a runtime's workers when one starts,
//! and back when it ends. One test only: the process must have no runtime running
//! when it starts (integration-test files are separate processes).
#![cfg(feature = "net")]

mod common;

use std::io;
use std::sync::mpsc;
use std::time::Duration;

use common::within;
use futures_lite::future::block_on;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use goro::net::{TcpListener, TcpStream};

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
fn reactor_without_and_with_runtimes() {
    within(60, || {
        // 1. No goro runtime anywhere in the process: plain threads with another
        //    executor's block_on. The fallback thread must poll.
        let listener = block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            block_on(async move {
                let (conn, _) = listener.accept().await?;
                echo(conn).await
            })
        });
        let mut client = block_on(TcpStream::connect(addr)).unwrap();
        for i in 0..100u8 {
            block_on(round_trip(&mut client, &[i; 100])).unwrap();
        }

        // 2. A runtime starts while a plain thread waits on a socket: polling moves
        //    to the runtime's workers, and the waiting thread is still woken.
        let (mut a, b) = pair();
        let (got_tx, got_rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 5];
            block_on(a.read_exact(&mut buf)).unwrap();
            got_tx.send(buf).unwrap();
            block_on(a.write_all(b"ack")).unwrap();
        });
        let got = goro::run(async move {
            let mut b = b;
            goro::go(async move {
                b.write_all(b"hello").await.unwrap();
                let mut ack = [0u8; 3];
                b.read_exact(&mut ack).await.unwrap();
                assert_eq!(&ack, b"ack");
            })
            .await
            .unwrap();
            // Plain-thread work waited on from a goroutine, through a blocking pool.
            goro::unblock(move || got_rx.recv_timeout(Duration::from_secs(30)))
                .await
                .unwrap()
        });
        assert_eq!(&got, b"hello");
        reader.join().unwrap();

        // 3. The runtime is gone again: the fallback takes over once more.
        for i in 0..100u8 {
            block_on(round_trip(&mut client, &[i; 10])).unwrap();
        }
        drop(client);
        server.join().unwrap().unwrap();
    });
}

/// A connected TCP pair (the server side accepted on a fresh listener).
fn pair() -> (TcpStream, TcpStream) {
    block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await?;
        let c = TcpStream::connect(l.local_addr()?).await?;
        let (s, _) = l.accept().await?;
        io::Result::Ok((c, s))
    })
    .unwrap()
}
