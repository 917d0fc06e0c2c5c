//! UDP: Go's `net.ListenUDP`, `net.DialUDP` and `*net.UDPConn`.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use super::io::Io;

use super::addr::sealed::Addrs;
use super::addr::{ToSocketAddrs, each_addr, op_error, resolve};

/// A UDP socket (Go's `*net.UDPConn`).
///
/// Bind it with [`bind`](UdpSocket::bind), then either exchange datagrams with any
/// peer ([`send_to`](UdpSocket::send_to), [`recv_from`](UdpSocket::recv_from)), or
/// [`connect`](UdpSocket::connect) it to one peer and use [`send`](UdpSocket::send)
/// and [`recv`](UdpSocket::recv). It is a cheap [`Clone`] (a handle to the same
/// socket), so one goroutine can receive while another sends.
///
/// # Examples
///
/// ```
/// use goro::net::UdpSocket;
///
/// goro::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await?;
///     let b = UdpSocket::bind("127.0.0.1:0").await?;
///     a.send_to(b"ping", b.local_addr()?).await?;
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct UdpSocket {
    inner: Arc<Io<std::net::UdpSocket>>,
}

impl UdpSocket {
    /// Creates a socket bound to `addr` (port 0: the OS picks one). When `addr` names
    /// several addresses, the first that binds is used.
    ///
    /// # Errors
    ///
    /// The last address's error, annotated with it
    /// (`listen udp 127.0.0.1:53: Permission denied (os error 13)`), or a look-up error.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let addrs = resolve(addr.to_addrs()).await?;
        each_addr(addrs, "listen udp", |a| async move {
            Ok(UdpSocket {
                inner: Arc::new(Io::new(std::net::UdpSocket::bind(a)?)?),
            })
        })
        .await
    }

    /// Connects the socket to `addr`: [`send`](UdpSocket::send) goes there and
    /// [`recv`](UdpSocket::recv) only takes datagrams from there. Nothing is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let a = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        let addrs = resolve(addr.to_addrs()).await?;
        each_addr(addrs, "connect udp", |a| async move {
            self.inner.get_ref().connect(a)
        })
        .await
    }

    /// Sends one datagram to `addr` (the first address it names); returns the bytes
    /// sent.
    ///
    /// # Errors
    ///
    /// The operating system's, e.g. a message too long for a datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let n = socket.send_to(b"hello", socket.local_addr()?).await?;
    /// assert_eq!(n, 5);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], addr: A) -> io::Result<usize> {
        let target = match addr.to_addrs() {
            Addrs::One(a) => a, // no allocation for the usual case
            other => resolve(other).await?[0],
        };
        self.inner
            .write_with(|s| s.send_to(buf, target))
            .await
            .map_err(|e| op_error("write udp", &target, e))
    }

    /// Waits for one datagram and returns its length and sender. A datagram longer
    /// than `buf` is cut to fit (the rest is lost, as in Go).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"to myself", socket.local_addr()?).await?;
    /// let mut buf = [0; 64];
    /// let (n, from) = socket.recv_from(&mut buf).await?;
    /// assert_eq!((&buf[..n], from), (&b"to myself"[..], socket.local_addr()?));
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.read_with(|s| s.recv_from(buf)).await
    }

    /// Like [`recv_from`](UdpSocket::recv_from) but leaves the datagram queued.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"x", socket.local_addr()?).await?;
    /// let mut buf = [0; 8];
    /// let (n, _) = socket.peek_from(&mut buf).await?;
    /// assert_eq!(socket.recv_from(&mut buf).await?.0, n);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.read_with(|s| s.peek_from(buf)).await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// An error on an unconnected socket ("destination address required");
    /// [`ConnectionRefused`](std::io::ErrorKind::ConnectionRefused) when an earlier
    /// datagram was refused by the peer (an ICMP "port unreachable" came back).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// socket.send(b"echo").await?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_with(|s| s.send(buf)).await
    }

    /// Waits for one datagram from the connected peer and returns its length.
    ///
    /// # Errors
    ///
    /// As for [`send`](UdpSocket::send).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.connect(socket.local_addr()?).await?;
    /// socket.send(b"echo").await?;
    /// let mut buf = [0; 8];
    /// assert_eq!(socket.recv(&mut buf).await?, 4);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.recv(buf)).await
    }

    /// The local address the socket is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// [`NotConnected`](std::io::ErrorKind::NotConnected) when not connected.
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.peer_addr().is_err());
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }

    /// Allows or forbids sending to broadcast addresses (`SO_BROADCAST`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_broadcast(true)?;
    /// assert!(socket.broadcast()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.inner.get_ref().set_broadcast(on)
    }

    /// Whether sending to broadcast addresses is allowed (`SO_BROADCAST`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(!socket.broadcast()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.inner.get_ref().broadcast()
    }

    /// Sets the IP time-to-live (`IP_TTL`).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_ttl(8)?;
    /// assert_eq!(socket.ttl()?, 8);
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
    /// let socket = goro::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.ttl()? > 0);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.inner.get_ref().ttl()
    }
}

impl TryFrom<std::net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// Adopts a std socket (made non-blocking and registered with the reactor).
    ///
    /// ```
    /// # goro::run(async {
    /// let socket = goro::net::UdpSocket::try_from(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    /// # drop(socket); std::io::Result::Ok(()) }).unwrap();
    /// ```
    fn try_from(s: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            inner: Arc::new(Io::new(s)?),
        })
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

#[cfg(unix)]
impl std::os::fd::AsFd for UdpSocket {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(self.inner.get_ref())
    }
}

#[cfg(unix)]
impl std::os::fd::AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        std::os::fd::AsRawFd::as_raw_fd(self.inner.get_ref())
    }
}

#[cfg(windows)]
impl std::os::windows::io::AsSocket for UdpSocket {
    fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
        std::os::windows::io::AsSocket::as_socket(self.inner.get_ref())
    }
}
