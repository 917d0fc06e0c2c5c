//! Unix-domain sockets: Go's `net.Listen("unix", ..)`, `net.Dial("unix", ..)`,
//! `*net.UnixConn` and `net.ListenUnixgram`.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use super::io::Io;

use super::addr::op_error;
use super::split::{ReadHalf, WriteHalf};
use super::tcp::stream_io;

fn path_error(op: &str, path: &Path, e: io::Error) -> io::Error {
    op_error(op, &path.display(), e)
}

/// A Unix-domain stream socket server (Go's `net.Listen("unix", path)`).
///
/// Binding creates the socket file; it is not removed when the listener is dropped
/// (as with std; Go removes it): remove it yourself.
///
/// # Examples
///
/// ```
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// use goro::net::{UnixListener, UnixStream};
///
/// goro::run(async {
///     let path = std::env::temp_dir().join(format!("goro-doc-{}.sock", std::process::id()));
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path)?;
///     let mut client = UnixStream::connect(&path).await?;
///     let (mut server, _) = listener.accept().await?;
///     client.write_all(b"hi").await?;
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"hi");
///     std::fs::remove_file(&path)
/// })
/// .unwrap();
/// ```
pub struct UnixListener {
    inner: Io<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Creates a listener on the socket file `path` (which must not exist yet).
    ///
    /// # Errors
    ///
    /// [`AddrInUse`](std::io::ErrorKind::AddrInUse) when `path` exists, and the
    /// like, annotated with the path.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let path = std::env::temp_dir().join(format!("goro-doc-bind-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = goro::net::UnixListener::bind(&path)?;
    /// assert!(listener.local_addr()?.as_pathname().is_some());
    /// std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixListener> {
        let path = path.as_ref();
        let l = std::os::unix::net::UnixListener::bind(path)
            .map_err(|e| path_error("listen unix", path, e))?;
        Ok(UnixListener { inner: Io::new(l)? })
    }

    /// Waits for a connection and returns it with the peer's address (usually
    /// unnamed).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// # let path = std::env::temp_dir().join(format!("goro-doc-acc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = goro::net::UnixListener::bind(&path)?;
    /// let _client = goro::net::UnixStream::connect(&path).await?;
    /// let (conn, _peer) = listener.accept().await?;
    /// # drop(conn); std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (s, peer) = self.inner.read_with(|l| l.accept()).await?;
        Ok((UnixStream::try_from(s)?, peer))
    }

    /// Polls for a connection: the poll form of [`accept`](UnixListener::accept).
    /// Poll it from one task at a time (the reactor keeps one waker for it); several
    /// goroutines accepting on one listener should call `accept`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// # let path = std::env::temp_dir().join(format!("goro-doc-pacc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = goro::net::UnixListener::bind(&path)?;
    /// let _client = goro::net::UnixStream::connect(&path).await?;
    /// let (conn, _) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// # drop(conn); std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (s, peer) = ready!(self.inner.poll_read_with(cx, |l| l.accept()))?;
        Poll::Ready(UnixStream::try_from(s).map(|s| (s, peer)))
    }

    /// A never-ending [`futures_core::Stream`] of incoming connections.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::StreamExt;
    ///
    /// # goro::run(async {
    /// # let path = std::env::temp_dir().join(format!("goro-doc-inc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = goro::net::UnixListener::bind(&path)?;
    /// let _client = goro::net::UnixStream::connect(&path).await?;
    /// let conn = listener.incoming().next().await.unwrap()?;
    /// # drop(conn); std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub fn incoming(&self) -> UnixIncoming<'_> {
        UnixIncoming { listener: self }
    }

    /// The address (socket file) the listener is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// # let path = std::env::temp_dir().join(format!("goro-doc-la-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = goro::net::UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }
}

impl TryFrom<std::os::unix::net::UnixListener> for UnixListener {
    type Error = io::Error;

    /// Adopts a std listener (made non-blocking and registered with the reactor).
    fn try_from(l: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener { inner: Io::new(l)? })
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

/// The stream of connections of [`UnixListener::incoming`]; never ends.
///
/// # Examples
///
/// ```no_run
/// use futures_lite::StreamExt;
///
/// # goro::run(async {
/// let listener = goro::net::UnixListener::bind("/tmp/server.sock")?;
/// let mut incoming: goro::net::UnixIncoming<'_> = listener.incoming();
/// while let Some(conn) = incoming.next().await {
///     goro::go(async move { drop(conn) });
/// }
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct UnixIncoming<'a> {
    listener: &'a UnixListener,
}

impl futures_core::Stream for UnixIncoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.listener
            .poll_accept(cx)
            .map(|r| Some(r.map(|(s, _)| s)))
    }
}

/// A Unix-domain stream connection (Go's `*net.UnixConn`). Like [`TcpStream`]: the
/// futures-io traits on it and on `&UnixStream`, a cheap [`Clone`], and
/// [`split`](UnixStream::split) into owned halves.
///
/// [`TcpStream`]: crate::net::TcpStream
///
/// # Examples
///
/// ```
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// goro::run(async {
///     let (mut a, mut b) = goro::net::UnixStream::pair()?;
///     a.write_all(b"ping").await?;
///     let mut buf = [0; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct UnixStream {
    inner: Arc<Io<std::os::unix::net::UnixStream>>,
}

impl UnixStream {
    /// Connects to the socket file `path`.
    ///
    /// # Errors
    ///
    /// [`NotFound`](std::io::ErrorKind::NotFound) when no such file,
    /// [`ConnectionRefused`](std::io::ErrorKind::ConnectionRefused) when nobody
    /// listens on it, annotated with the path.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let err = goro::net::UnixStream::connect("/nonexistent/goro.sock").await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    /// # });
    /// ```
    pub async fn connect<P: AsRef<Path>>(path: P) -> io::Result<UnixStream> {
        let path = path.as_ref();
        let s = super::io::connect_unix(path)
            .await
            .map_err(|e| path_error("connect unix", path, e))?;
        Ok(UnixStream { inner: Arc::new(s) })
    }

    /// A pair of connected, unnamed sockets (`socketpair(2)`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let (a, b) = goro::net::UnixStream::pair()?;
    /// # drop((a, b)); std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::try_from(a)?, UnixStream::try_from(b)?))
    }

    /// Splits the stream into owned read and write halves, for two goroutines.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let (a, _b) = goro::net::UnixStream::pair()?;
    /// let (reader, writer) = a.split();
    /// # drop((reader, writer)); std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn split(self) -> (ReadHalf<UnixStream>, WriteHalf<UnixStream>) {
        (ReadHalf(self.clone()), WriteHalf(self))
    }

    /// The peer's address (unnamed for a client socket or a pair).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let (a, _b) = goro::net::UnixStream::pair()?;
    /// assert!(a.peer_addr()?.is_unnamed());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// This end's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let (a, _b) = goro::net::UnixStream::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// Shuts down the read side, the write side or both (Go's `CloseRead`,
    /// `CloseWrite`).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncReadExt;
    ///
    /// # goro::run(async {
    /// let (a, mut b) = goro::net::UnixStream::pair()?;
    /// a.shutdown(std::net::Shutdown::Write)?;
    /// assert_eq!(b.read(&mut [0; 4]).await?, 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.get_ref().shutdown(how)
    }
}

impl TryFrom<std::os::unix::net::UnixStream> for UnixStream {
    type Error = io::Error;

    /// Adopts a std stream (made non-blocking and registered with the reactor).
    fn try_from(s: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            inner: Arc::new(Io::new(s)?),
        })
    }
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

stream_io!(UnixStream);

/// A Unix-domain datagram socket (Go's `net.ListenUnixgram`, `*net.UnixConn` on a
/// `unixgram` socket). A cheap [`Clone`].
///
/// # Examples
///
/// ```
/// goro::run(async {
///     let (a, b) = goro::net::UnixDatagram::pair()?;
///     a.send(b"one datagram").await?;
///     let mut buf = [0; 32];
///     let n = b.recv(&mut buf).await?;
///     assert_eq!(&buf[..n], b"one datagram");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct UnixDatagram {
    inner: Arc<Io<std::os::unix::net::UnixDatagram>>,
}

impl UnixDatagram {
    /// Creates a socket bound to the socket file `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let path = std::env::temp_dir().join(format!("goro-doc-dg-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = goro::net::UnixDatagram::bind(&path)?;
    /// # drop(socket);
    /// std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub fn bind<P: AsRef<Path>>(path: P) -> io::Result<UnixDatagram> {
        let path = path.as_ref();
        let s = std::os::unix::net::UnixDatagram::bind(path)
            .map_err(|e| path_error("listen unixgram", path, e))?;
        UnixDatagram::try_from(s)
    }

    /// Creates a socket bound to no address (it can send, and receive replies once
    /// connected).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UnixDatagram::unbound()?;
    /// # drop(socket); std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::try_from(std::os::unix::net::UnixDatagram::unbound()?)
    }

    /// A pair of connected, unnamed datagram sockets.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let (a, b) = goro::net::UnixDatagram::pair()?;
    /// # drop((a, b)); std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
        Ok((UnixDatagram::try_from(a)?, UnixDatagram::try_from(b)?))
    }

    /// Connects the socket to the socket file `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// # let path = std::env::temp_dir().join(format!("goro-doc-dgc-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = goro::net::UnixDatagram::bind(&path)?;
    /// let client = goro::net::UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// client.send(b"hi").await?;
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub fn connect<P: AsRef<Path>>(&self, path: P) -> io::Result<()> {
        let path = path.as_ref();
        self.inner
            .get_ref()
            .connect(path)
            .map_err(|e| path_error("connect unixgram", path, e))
    }

    /// Sends one datagram to the socket file `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// # let path = std::env::temp_dir().join(format!("goro-doc-dgs-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = goro::net::UnixDatagram::bind(&path)?;
    /// goro::net::UnixDatagram::unbound()?.send_to(b"hi", &path).await?;
    /// let mut buf = [0; 4];
    /// let (n, _from) = server.recv_from(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"hi");
    /// # std::fs::remove_file(&path)
    /// # }).unwrap();
    /// ```
    pub async fn send_to<P: AsRef<Path>>(&self, buf: &[u8], path: P) -> io::Result<usize> {
        let path = path.as_ref();
        self.inner
            .write_with(|s| s.send_to(buf, path))
            .await
            .map_err(|e| path_error("write unixgram", path, e))
    }

    /// Waits for one datagram; returns its length and sender.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let (a, b) = goro::net::UnixDatagram::pair()?;
    /// a.send(b"x").await?;
    /// let (n, _from) = b.recv_from(&mut [0; 4]).await?;
    /// assert_eq!(n, 1);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.read_with(|s| s.recv_from(buf)).await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let (a, _b) = goro::net::UnixDatagram::pair()?;
    /// assert_eq!(a.send(b"abc").await?, 3);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_with(|s| s.send(buf)).await
    }

    /// Waits for one datagram from the connected peer; returns its length.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let (a, b) = goro::net::UnixDatagram::pair()?;
    /// a.send(b"abc").await?;
    /// assert_eq!(b.recv(&mut [0; 8]).await?, 3);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.recv(buf)).await
    }

    /// This socket's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// assert!(goro::net::UnixDatagram::unbound()?.local_addr()?.is_unnamed());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// assert!(goro::net::UnixDatagram::unbound()?.peer_addr().is_err());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }
}

impl TryFrom<std::os::unix::net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    /// Adopts a std socket (made non-blocking and registered with the reactor).
    fn try_from(s: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            inner: Arc::new(Io::new(s)?),
        })
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

macro_rules! fd_traits {
    ($($t:ty),*) => {$(
        impl std::os::fd::AsFd for $t {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(self.inner.get_ref())
            }
        }
        impl std::os::fd::AsRawFd for $t {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(self.inner.get_ref())
            }
        }
    )*};
}
fd_traits!(UnixListener, UnixStream, UnixDatagram);
