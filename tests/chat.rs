//! The chat server example (examples/chat.rs, its server in examples/chat/server.rs),
//! run in-process on 127.0.0.1 port 0 with real TCP clients: greetings, arrivals,
//! messages, departures, the bounded mode, and an over-long line.
#![cfg(feature = "net")]

#[path = "../examples/chat/server.rs"]
mod chat;
mod common;

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use common::run_within;
use futures_lite::AsyncWriteExt;
use futures_lite::io::{AsyncBufReadExt, BufReader};
use goro::net::{ReadHalf, TcpListener, TcpStream};
use goro::time::timeout;

/// A chat client: one connection, read line by line.
struct Client {
    /// The server's name for this client (its address as the server sees it).
    who: String,
    r: BufReader<ReadHalf<TcpStream>>,
    w: TcpStream,
}

impl Client {
    /// Connects and reads the greeting, after which the client is in the chat.
    async fn join(addr: SocketAddr) -> io::Result<Client> {
        let conn = TcpStream::connect(addr).await?;
        let who = conn.local_addr()?.to_string();
        let w = conn.clone();
        let (r, _) = conn.split();
        let mut c = Client {
            who,
            r: BufReader::new(r),
            w,
        };
        let greeting = c.line().await?;
        assert_eq!(greeting, format!("You are {}", c.who));
        Ok(c)
    }

    /// The next line from the server (at most 5 s away).
    async fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        let n = timeout(Duration::from_secs(5), self.r.read_line(&mut line)).await??;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{}: connection closed", self.who),
            ));
        }
        Ok(line.trim_end_matches('\n').to_string())
    }

    async fn expect(&mut self, want: &str) -> io::Result<()> {
        let got = self.line().await?;
        assert_eq!(got, want, "client {}", self.who);
        Ok(())
    }

    async fn say(&mut self, text: &str) -> io::Result<()> {
        self.w.write_all(format!("{text}\n").as_bytes()).await
    }

    /// Hangs up (Go netcat's `CloseWrite`) and waits for the server to close the
    /// connection, with nothing more to read.
    async fn leave(mut self) -> io::Result<()> {
        self.w.shutdown(Shutdown::Write)?;
        let mut rest = String::new();
        timeout(
            Duration::from_secs(5),
            futures_lite::AsyncReadExt::read_to_string(&mut self.r, &mut rest),
        )
        .await??;
        assert_eq!(rest, "", "client {}", self.who);
        Ok(())
    }
}

/// Starts the server on 127.0.0.1:0 for `clients` clients.
async fn start(clients: usize) -> io::Result<(SocketAddr, goro::JoinHandle<io::Result<()>>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    Ok((addr, goro::go(chat::serve(listener, Some(clients)))))
}

#[test]
fn three_clients_see_each_other() {
    run_within(20, async {
        let (addr, server) = start(3).await?;
        let mut a = Client::join(addr).await?;
        let mut b = Client::join(addr).await?;
        a.expect(&format!("{} has arrived", b.who)).await?;
        let mut c = Client::join(addr).await?;
        let b_who = b.who.clone();
        for x in [&mut a, &mut b] {
            x.expect(&format!("{} has arrived", c.who)).await?;
        }

        // Every line goes to every client, the sender included. (Lines from
        // different connections have no order between them: one at a time.)
        a.say("hello from a").await?;
        let a_said = format!("{}: hello from a", a.who);
        for x in [&mut a, &mut b, &mut c] {
            x.expect(&a_said).await?;
        }
        // One client's lines arrive in the order sent.
        b.say("hi a, b here").await?;
        b.say("how are you?").await?;
        for x in [&mut a, &mut b, &mut c] {
            x.expect(&format!("{}: hi a, b here", b_who)).await?;
            x.expect(&format!("{}: how are you?", b_who)).await?;
        }
        // CRLF line ends are stripped; invalid UTF-8 is replaced.
        c.w.write_all(b"c says \xff\r\n").await?;
        let c_said = format!("{}: c says \u{fffd}", c.who);
        for x in [&mut a, &mut b, &mut c] {
            x.expect(&c_said).await?;
        }

        // Departures are announced to those still there.
        let c_who = c.who.clone();
        c.leave().await?;
        for x in [&mut a, &mut b] {
            x.expect(&format!("{c_who} has left")).await?;
        }
        let a_who = a.who.clone();
        a.leave().await?;
        b.expect(&format!("{a_who} has left")).await?;
        b.say("alone now").await?;
        b.expect(&format!("{}: alone now", b.who)).await?;

        // The listener closed after the third client; the server returns once the
        // last one has left.
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
        b.leave().await?;
        server.await.unwrap()?;
        io::Result::Ok(())
    })
    .unwrap();
}

#[test]
fn zero_clients_returns_at_once() {
    run_within(10, async {
        let (_, server) = start(0).await?;
        server.await.unwrap()
    })
    .unwrap();
}

#[test]
fn over_long_line_ends_the_session() {
    run_within(20, async {
        let (addr, server) = start(2).await?;
        let mut a = Client::join(addr).await?;
        let mut flood = Client::join(addr).await?;
        a.expect(&format!("{} has arrived", flood.who)).await?;
        // More than MAX_LINE bytes without a newline: the server stops reading and
        // closes the connection (the rest of the bytes may make it reset).
        let long = vec![b'x'; chat::MAX_LINE + 1];
        let _ = flood.w.write_all(&long).await;
        let mut rest = String::new();
        let _ = timeout(
            Duration::from_secs(5),
            futures_lite::AsyncReadExt::read_to_string(&mut flood.r, &mut rest),
        )
        .await?;
        a.expect(&format!("{} has left", flood.who)).await?;
        a.leave().await?;
        server.await.unwrap()?;
        io::Result::Ok(())
    })
    .unwrap();
}
