//! The chat server of examples/chat.rs (The Go Programming Language, 8.10), as a
//! module of its own so that tests/chat.rs can run it in-process.
//!
//! Goroutines and channels, as in the book:
//! - one *broadcaster* goroutine owns the set of clients; it `select!`s over three
//!   channels: `entering` (a new client), `leaving` (a client hung up) and
//!   `messages` (a line to send to every client);
//! - per client, one goroutine reads lines from the connection and sends them to
//!   `messages`, and one *writer* goroutine copies the client's own outgoing channel
//!   to the connection.
//!
//! Departures from the book's code, each fixing something its exercises point at:
//! - The broadcaster itself greets a new client (`You are ADDR`), announces it to the
//!   others, and only then adds it to the set, all in one step (and the same for
//!   departures). In the book the arrival is announced by the client's goroutine
//!   before it enters the set, so two clients that arrive at about the same time
//!   can miss each other's arrival. Here a client that has read its greeting is in
//!   the set and sees every later arrival and message.
//! - A client's outgoing channel is buffered and the broadcaster never waits on it
//!   (exercise 8.15): a client that does not keep up misses messages instead of
//!   stalling everyone. A writer that cannot write for [`WRITE_TIMEOUT`] (a client
//!   that stopped reading) disconnects its client.
//! - Lines longer than [`MAX_LINE`] bytes end the client's session (Go's
//!   `bufio.Scanner` stops there too); invalid UTF-8 is replaced, not fatal.
//! - [`serve`] can be bounded: it accepts at most `max_clients` clients and returns
//!   once they have all left.

use std::collections::HashMap;
use std::io;
use std::net::Shutdown;
use std::time::Duration;

use futures_lite::AsyncWriteExt;
use futures_lite::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use goro::net::{TcpListener, TcpStream};
use goro::sync::WaitGroup;
use goro::{Receiver, Sender, chan, select};

/// How many messages may wait for a client's writer before new ones are dropped
/// for that client.
pub const OUTGOING: usize = 64;

/// The longest line a client may send (Go's `bufio.MaxScanTokenSize`).
pub const MAX_LINE: usize = 64 * 1024;

/// How long a client's writer waits for the client to take its output before
/// disconnecting it (Go: `conn.SetWriteDeadline`).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// A client as the broadcaster sees it: who it is and its outgoing messages.
struct Client {
    id: u64,
    who: String,
    out: Sender<String>,
}

/// Runs the chat server on `listener`: forever with `max_clients == None`, else it
/// accepts at most `max_clients` clients, closes the listener, and returns once every
/// one of them has left (at once for `Some(0)`).
///
/// Accept errors (such as running out of file descriptors) are not returned: they are
/// reported on stderr and retried after a pause, as Go's servers do. (The
/// `io::Result` is `main`'s.)
pub async fn serve(listener: TcpListener, max_clients: Option<usize>) -> io::Result<()> {
    let (entering_tx, entering) = chan::<Client>(0);
    let (leaving_tx, leaving) = chan::<u64>(0);
    let (messages_tx, messages) = chan::<String>(0);
    let broadcaster = goro::go(broadcaster(entering, leaving, messages));

    let clients = WaitGroup::new();
    let mut accepted = 0;
    let mut backoff = Duration::from_millis(5);
    while max_clients.is_none_or(|n| accepted < n) {
        let conn = match listener.accept().await {
            Ok((conn, _)) => conn,
            Err(e) => {
                eprintln!("chat: accept: {e}; retrying in {backoff:?}");
                goro::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        backoff = Duration::from_millis(5);
        let id = accepted as u64;
        accepted += 1;
        // Detached: the WaitGroup is what a bounded run waits on.
        drop(clients.go(handle_conn(
            conn,
            id,
            entering_tx.clone(),
            leaving_tx.clone(),
            messages_tx.clone(),
        )));
    }
    drop(listener); // further clients are refused
    clients.wait().await;
    // Every client has left: closing the channels stops the broadcaster.
    drop((entering_tx, leaving_tx, messages_tx));
    let _ = broadcaster.await;
    Ok(())
}

/// Go's `broadcaster`: owns the set of clients. Returns when the channels are closed
/// (every sender is held by `serve` and the client goroutines together, so one closed
/// channel means all are).
async fn broadcaster(
    entering: Receiver<Client>,
    leaving: Receiver<u64>,
    messages: Receiver<String>,
) {
    let mut clients: HashMap<u64, (String, Sender<String>)> = HashMap::new();
    // Never waits on a client (exercise 8.15): a full buffer drops the message for
    // that client; a closed one means its writer gave up, and its reader will leave.
    let send_all = |clients: &HashMap<u64, (String, Sender<String>)>, msg: &str| {
        for (_, out) in clients.values() {
            let _ = out.try_send(msg.to_owned());
        }
    };
    loop {
        select! {
            msg = messages.recv() => {
                let Some(msg) = msg else { return };
                send_all(&clients, &msg);
            }
            cli = entering.recv() => {
                let Some(Client { id, who, out }) = cli else { return };
                let _ = out.try_send(format!("You are {who}"));
                send_all(&clients, &format!("{who} has arrived"));
                clients.insert(id, (who, out));
            }
            id = leaving.recv() => {
                let Some(id) = id else { return };
                // Dropping its sender closes the client's channel: its writer sends
                // what is queued, then closes the connection.
                if let Some((who, _out)) = clients.remove(&id) {
                    send_all(&clients, &format!("{who} has left"));
                }
            }
        }
    }
}

/// Go's `handleConn`: one client's session. Enters, sends each line it reads to
/// `messages`, leaves at end-of-file (or a read error, or an over-long line), then
/// waits for its writer to finish.
async fn handle_conn(
    conn: TcpStream,
    id: u64,
    entering: Sender<Client>,
    leaving: Sender<u64>,
    messages: Sender<String>,
) {
    let who = conn
        .peer_addr()
        .map_or_else(|_| format!("client {id}"), |a| a.to_string());
    let (out, outgoing) = chan::<String>(OUTGOING);
    let writer = goro::go(client_writer(conn.clone(), outgoing));
    let (reader, _) = conn.split();
    let mut reader = BufReader::new(reader);

    let entered = entering
        .send(Client {
            id,
            who: who.clone(),
            out,
        })
        .await;
    if entered.is_ok() {
        let mut buf = Vec::new();
        loop {
            match read_line(&mut reader, &mut buf).await {
                Ok(Some(line)) => {
                    if messages.send(format!("{who}: {line}")).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    eprintln!("chat: {who}: {e}");
                    break;
                }
            }
        }
        let _ = leaving.send(id).await;
    }
    drop(reader);
    // The broadcaster has dropped our sender: the writer ends once it has written
    // what was queued (or within WRITE_TIMEOUT).
    let _ = writer.await;
}

/// Go's `clientWriter`: writes each message of `outgoing` as a line, until the
/// channel is closed; then closes the connection. Messages queued together go out in
/// one write. A write that takes longer than [`WRITE_TIMEOUT`] (the client is not
/// reading) or fails disconnects the client.
async fn client_writer(mut conn: TcpStream, outgoing: Receiver<String>) {
    let mut buf = Vec::new();
    while let Some(msg) = outgoing.recv().await {
        buf.clear();
        buf.extend_from_slice(msg.as_bytes());
        buf.push(b'\n');
        while buf.len() < 64 * 1024 {
            let Ok(msg) = outgoing.try_recv() else { break };
            buf.extend_from_slice(msg.as_bytes());
            buf.push(b'\n');
        }
        match goro::time::timeout(WRITE_TIMEOUT, conn.write_all(&buf)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => break, // gone, or not reading
        }
    }
    // Also wakes the client's reader (end-of-file), should the client still be there.
    let _ = conn.shutdown(Shutdown::Both);
}

/// Reads one line of at most [`MAX_LINE`] bytes, without its `\n` or `\r\n`, invalid
/// UTF-8 replaced; `None` at end-of-file.
async fn read_line<R>(r: &mut R, buf: &mut Vec<u8>) -> io::Result<Option<String>>
where
    R: futures_lite::AsyncBufRead + Unpin,
{
    buf.clear();
    let n = (&mut *r)
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > MAX_LINE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("line longer than {MAX_LINE} bytes"),
        ));
    }
    Ok(Some(String::from_utf8_lossy(buf).into_owned()))
}
