//! TCP: Go's `net.Listen("tcp", ..)`, `net.Dial("tcp", ..)` and `*net.TCPConn`.

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use super::addr::{ToSocketAddrs, each_addr, op_error, resolve};
use super::io::Io;
use super::split::{ReadHalf, WriteHalf};

/// A TCP socket server, listening for connections (Go's `net.Listen("tcp", addr)`).
///
/// Accept connections with [`accept`](TcpListener::accept) or the
/// [`incoming`](TcpListener::incoming) stream, and serve each in a goroutine of its
/// own. The socket closes when the listener is dropped. `accept` takes `&self`, so
/// several goroutines can accept from one listener shared through an
/// [`Arc`](std::sync::Arc).
///
/// # Examples
///
/// ```
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// use goro::net::{TcpListener, TcpStream};
///
/// goro::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let server = goro::go(async move {
///         let (mut conn, _peer) = listener.accept().await?;
///         conn.write_all(b"hello\n").await
///     });
///     let mut conn = TcpStream::connect(addr).await?;
///     let mut line = String::new();
///     conn.read_to_string(&mut line).await?;
///     assert_eq!(line, "hello\n");
///     server.await.unwrap()
/// })
/// .unwrap();
/// ```
pub struct TcpListener {
    inner: Io<std::net::TcpListener>,
}

impl TcpListener {
    /// Creates a listener bound to `addr` (port 0: the OS picks a free port, see
    /// [`local_addr`](TcpListener::local_addr)). When `addr` names several addresses,
    /// they are tried in turn and the first that binds is used.
    ///
    /// # Errors
    ///
    /// The last address's error, annotated with the address
    /// (`listen tcp 127.0.0.1:80: Permission denied (os error 13)`), or a look-up error.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// assert_ne!(listener.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let addrs = resolve(addr.to_addrs()).await?;
        each_addr(addrs, "listen tcp", |a| async move {
            Ok(TcpListener {
                inner: Io::new(std::net::TcpListener::bind(a)?)?,
            })
        })
        .await
    }

    /// Waits for a connection and returns it with the peer's address (Go's `Accept`).
    ///
    /// The returned stream has `TCP_NODELAY` set, as in Go.
    ///
    /// # Errors
    ///
    /// The operating system's accept error, e.g. `EMFILE` ("Too many open files")
    /// when the process is out of file descriptors. The listener stays usable; a
    /// server usually logs the error, waits a little and accepts again (Go's
    /// `http.Server` backs off from 5 ms to 1 s).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let client = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (conn, peer) = listener.accept().await?;
    /// assert_eq!(peer, client.local_addr()?);
    /// assert_eq!(conn.peer_addr()?, peer);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        // `read_with` waits through the reactor's list of waiters, so any number of
        // goroutines can wait in `accept` on one listener at the same time.
        let (s, peer) = self.inner.read_with(|l| l.accept()).await?;
        Ok((TcpStream::from_std(s)?, peer))
    }

    /// Polls for a connection: the poll form of [`accept`](TcpListener::accept), for
    /// hand-written futures and streams. The reactor keeps one waker per listener for
    /// this method (the last task's), so poll it from one task at a time; several
    /// goroutines accepting on one listener should call `accept`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let _client = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (conn, _) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// # drop(conn); std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (s, peer) = ready!(self.inner.poll_read_with(cx, |l| l.accept()))?;
        Poll::Ready(TcpStream::from_std(s).map(|s| (s, peer)))
    }

    /// A stream of incoming connections (Go's `for { ln.Accept() }`): implements
    /// [`futures_core::Stream`] with items `io::Result<TcpStream>`. It never ends;
    /// an accept error is an `Err` item and the stream can be polled again after it.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::StreamExt;
    ///
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// let dialer = goro::go(async move {
    ///     let mut conns = Vec::new();
    ///     for _ in 0..3 {
    ///         conns.push(goro::net::TcpStream::connect(addr).await?);
    ///     }
    ///     std::io::Result::Ok(conns)
    /// });
    /// let conns: Vec<_> = listener.incoming().take(3).try_collect().await?;
    /// assert_eq!(conns.len(), 3);
    /// # drop(dialer.await);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { listener: self }
    }

    /// The address the listener is bound to (with the port the OS picked for port 0).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// println!("listening on {}", listener.local_addr()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Sets the IP time-to-live of the listener's socket (`IP_TTL`), inherited by
    /// accepted connections.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// listener.set_ttl(64)?;
    /// assert_eq!(listener.ttl()?, 64);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live of the listener's socket (`IP_TTL`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// assert!(listener.ttl()? > 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }
}

impl TryFrom<std::net::TcpListener> for TcpListener {
    type Error = io::Error;

    /// Adopts a std listener (made non-blocking and registered with the reactor).
    ///
    /// ```
    /// # goro::run(async {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let listener = goro::net::TcpListener::try_from(std_listener)?;
    /// # drop(listener); std::io::Result::Ok(()) }).unwrap();
    /// ```
    fn try_from(l: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener { inner: Io::new(l)? })
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// The stream of connections of [`TcpListener::incoming`]: a
/// [`futures_core::Stream`] of `io::Result<TcpStream>` that never ends.
///
/// # Examples
///
/// ```no_run
/// use futures_lite::StreamExt;
///
/// # goro::run(async {
/// let listener = goro::net::TcpListener::bind("127.0.0.1:8000").await?;
/// let mut incoming: goro::net::Incoming<'_> = listener.incoming();
/// while let Some(conn) = incoming.next().await {
///     goro::go(async move { drop(conn) });
/// }
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl futures_core::Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|r| Some(r.map(|(s, _)| s)))
    }
}

/// A TCP connection (Go's `*net.TCPConn`), from [`TcpStream::connect`] or
/// [`TcpListener::accept`].
///
/// Read and write it through the futures-io traits
/// ([`AsyncRead`](futures_lite::io::AsyncRead), [`AsyncWrite`](futures_lite::io::AsyncWrite);
/// bring `futures_lite::{AsyncReadExt, AsyncWriteExt}` into scope). `&TcpStream`
/// implements them too, and the stream is a cheap [`Clone`] (a handle to the same
/// socket), so a reader goroutine and a writer goroutine can share one connection;
/// [`split`](TcpStream::split) makes that explicit in the types. The socket closes
/// when the last handle is dropped; `close().await` shuts down the write side only
/// (Go's `CloseWrite`).
///
/// `TCP_NODELAY` is on, as in Go.
///
/// # Examples
///
/// ```
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// use goro::net::{TcpListener, TcpStream};
///
/// goro::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let server = goro::go(async move {
///         // An echo server for one connection.
///         let (conn, _) = listener.accept().await?;
///         let (r, w) = conn.split();
///         futures_lite::io::copy(r, w).await
///     });
///     let mut conn = TcpStream::connect(addr).await?;
///     conn.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     conn.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     conn.close().await?; // end-of-file for the server's copy
///     server.await.unwrap().map(drop)
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct TcpStream {
    inner: Arc<Io<std::net::TcpStream>>,
}

impl TcpStream {
    /// Opens a connection to `addr` (Go's `net.Dial("tcp", addr)`). When `addr`
    /// names several addresses (a host name with IPv4 and IPv6 addresses), they are
    /// tried in turn and the first that connects is returned.
    ///
    /// # Errors
    ///
    /// The last address's error, with its kind ([`ConnectionRefused`] for a closed
    /// port) and annotated with the address
    /// (`connect tcp 127.0.0.1:1: Connection refused (os error 111)`), or a look-up
    /// error. Connecting may take as long as the operating system allows (minutes for
    /// an unreachable host): bound it with [`connect_timeout`](TcpStream::connect_timeout).
    ///
    /// [`ConnectionRefused`]: std::io::ErrorKind::ConnectionRefused
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(conn.peer_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let addrs = resolve(addr.to_addrs()).await?;
        each_addr(addrs, "connect tcp", |a| async move {
            let s = super::io::connect_tcp(a).await?;
            let _ = s.get_ref().set_nodelay(true);
            Ok(TcpStream { inner: Arc::new(s) })
        })
        .await
    }

    /// [`connect`](TcpStream::connect), giving up after `timeout` (Go's
    /// `net.DialTimeout`). The time covers the name look-up and every address tried.
    ///
    /// # Errors
    ///
    /// Those of `connect`, or [`TimedOut`](std::io::ErrorKind::TimedOut) when
    /// `timeout` passes first.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect_timeout(
    ///     listener.local_addr()?,
    ///     Duration::from_secs(5),
    /// )
    /// .await?;
    /// # drop(conn); std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn connect_timeout<A: ToSocketAddrs>(
        addr: A,
        timeout: Duration,
    ) -> io::Result<TcpStream> {
        use super::addr::sealed::Addrs;
        let what = match addr.to_addrs() {
            Addrs::One(a) => a.to_string(),
            Addrs::Resolved(v) if v.len() == 1 => v[0].to_string(),
            Addrs::Resolved(v) => format!("{v:?}"),
            Addrs::Lookup(s) => s,
            Addrs::LookupHost(h, p) => format!("{h}:{p}"),
        };
        match crate::time::timeout(timeout, Self::connect(addr)).await {
            Ok(result) => result,
            // `connect tcp 127.0.0.1:80: timed out after 300ms`, kind `TimedOut`.
            Err(_elapsed) => Err(op_error(
                "connect tcp",
                &what,
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("timed out after {timeout:?}"),
                ),
            )),
        }
    }

    /// Adopts an accepted std stream: `TCP_NODELAY` on (as Go), non-blocking,
    /// registered with the reactor.
    fn from_std(s: std::net::TcpStream) -> io::Result<TcpStream> {
        let _ = s.set_nodelay(true);
        Ok(TcpStream {
            inner: Arc::new(Io::new(s)?),
        })
    }

    /// Splits the stream into an owned read half and an owned write half, each
    /// movable into a goroutine of its own (tokio calls this `into_split`). The
    /// halves are handles to the same socket; it closes when both are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    ///
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (reader, mut writer) = conn.split();
    /// let copy_to_stdout = goro::go(futures_lite::io::copy(reader, futures_lite::io::sink()));
    /// writer.write_all(b"hi").await?;
    /// # drop((writer, listener)); let _ = copy_to_stdout.await;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn split(self) -> (ReadHalf<TcpStream>, WriteHalf<TcpStream>) {
        (ReadHalf(self.clone()), WriteHalf(self))
    }

    /// The remote address of the connection (Go's `RemoteAddr`).
    ///
    /// # Errors
    ///
    /// [`NotConnected`](std::io::ErrorKind::NotConnected) once the peer is gone on
    /// some systems.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert_eq!(conn.peer_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// The local address of the connection (Go's `LocalAddr`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(conn.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Turns Nagle's algorithm off (`true`, the default in goro and Go) or on
    /// (`false`) (Go's `SetNoDelay`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(conn.nodelay()?);
    /// conn.set_nodelay(false)?;
    /// assert!(!conn.nodelay()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.get_ref().set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off (`TCP_NODELAY`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(conn.nodelay()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.get_ref().nodelay()
    }

    /// Sets the IP time-to-live (`IP_TTL`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// conn.set_ttl(32)?;
    /// assert_eq!(conn.ttl()?, 32);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.inner.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live (`IP_TTL`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// assert!(conn.ttl()? > 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }

    /// Shuts down the read side, the write side or both (Go's `CloseRead`,
    /// `CloseWrite`). After `Shutdown::Write` the peer reads end-of-file; pending and
    /// later reads of this side after `Shutdown::Read` return 0 bytes. The socket stays
    /// open until the last handle is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncReadExt;
    /// use std::net::Shutdown;
    ///
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// conn.shutdown(Shutdown::Write)?;
    /// assert_eq!(server.read(&mut [0; 8]).await?, 0); // end-of-file
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }

    /// Reads into `buf` without taking the bytes out of the socket's receive queue
    /// (`MSG_PEEK`): the next read returns them again.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    ///
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let mut conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// conn.write_all(b"GET").await?;
    /// let mut buf = [0; 3];
    /// let n = server.peek(&mut buf).await?;
    /// assert_eq!(&buf[..n], &b"GET"[..n]);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.peek(buf)).await
    }
}

impl TryFrom<std::net::TcpStream> for TcpStream {
    type Error = io::Error;

    /// Adopts a connected std stream (made non-blocking and registered with the
    /// reactor). Its `TCP_NODELAY` setting is left as it is.
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_conn = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let conn = goro::net::TcpStream::try_from(std_conn)?;
    /// # drop(conn); std::io::Result::Ok(()) }).unwrap();
    /// ```
    fn try_from(s: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            inner: Arc::new(Io::new(s)?),
        })
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

/// `AsyncRead`/`AsyncWrite` for a stream type `$t` wrapping `inner: Arc<Io<_>>`,
/// and for `&$t`. `poll_close` flushes and shuts the write side down.
macro_rules! stream_io {
    ($t:ty) => {
        impl futures_lite::io::AsyncRead for $t {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self.inner).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self.inner).poll_read_vectored(cx, bufs)
            }
        }

        impl futures_lite::io::AsyncRead for &$t {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self.inner).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self.inner).poll_read_vectored(cx, bufs)
            }
        }

        impl futures_lite::io::AsyncWrite for $t {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self.inner).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self.inner).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self.inner).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_close(cx)
            }
        }

        impl futures_lite::io::AsyncWrite for &$t {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self.inner).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self.inner).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self.inner).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::ready!(std::pin::Pin::new(&mut &*self.inner).poll_flush(cx))?;
                std::task::Poll::Ready(self.inner.get_ref().shutdown(std::net::Shutdown::Write))
            }
        }
    };
}
pub(crate) use stream_io;

stream_io!(TcpStream);

#[cfg(unix)]
impl std::os::fd::AsFd for TcpStream {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(self.inner.get_ref())
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(self.inner.get_ref())
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for TcpListener {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(self.inner.get_ref())
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(self.inner.get_ref())
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsSocket for TcpStream {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        std::os::windows::io::AsSocket::as_socket(self.inner.get_ref())
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsSocket for TcpListener {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        std::os::windows::io::AsSocket::as_socket(self.inner.get_ref())
    }
}
