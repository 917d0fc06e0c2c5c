//! Address resolution: goro's async counterpart of [`std::net::ToSocketAddrs`].

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Something that names one or more socket addresses: goro's async counterpart of
/// [`std::net::ToSocketAddrs`], accepted by [`TcpStream::connect`],
/// [`TcpListener::bind`], [`UdpSocket::bind`] and friends.
///
/// Literal addresses (`"127.0.0.1:8080"`, a [`SocketAddr`], `(IpAddr, u16)`) are
/// parsed in place. A host name (`"localhost:8080"`, `("example.com", 80)`) is looked
/// up with the system resolver (`getaddrinfo`), which blocks, so the look-up runs
/// through [`crate::unblock`] and never stalls a worker thread (Go's resolver does the
/// same with a thread of its own when it uses cgo).
///
/// The trait is sealed: it is implemented for the types that
/// [`std::net::ToSocketAddrs`] covers, and for references to them.
///
/// [`TcpStream::connect`]: crate::net::TcpStream::connect
/// [`TcpListener::bind`]: crate::net::TcpListener::bind
/// [`UdpSocket::bind`]: crate::net::UdpSocket::bind
///
/// # Examples
///
/// ```
/// use std::net::{Ipv4Addr, SocketAddr};
///
/// goro::run(async {
///     // All of these name the loopback address with a port picked by the OS.
///     let a = goro::net::TcpListener::bind("127.0.0.1:0").await?;
///     let b = goro::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
///     let c = goro::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
///     assert!(a.local_addr()?.ip().is_loopback());
///     # drop((b, c));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use super::*;

    /// What an address argument turns into before any await: either addresses, or a
    /// name to look up on a blocking thread. Owned, so the future holds no borrow of
    /// the argument past its first poll.
    pub enum Addrs {
        One(SocketAddr),
        Resolved(Vec<SocketAddr>),
        Lookup(String),
        LookupHost(String, u16),
    }

    pub trait Sealed {
        fn to_addrs(&self) -> Addrs;
    }
}

use sealed::{Addrs, Sealed};

macro_rules! literal {
    ($($t:ty),*) => {$(
        impl Sealed for $t {
            fn to_addrs(&self) -> Addrs {
                Addrs::One(SocketAddr::from(*self))
            }
        }
        impl ToSocketAddrs for $t {}
    )*};
}
literal!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16)
);

impl Sealed for str {
    fn to_addrs(&self) -> Addrs {
        match self.parse::<SocketAddr>() {
            Ok(a) => Addrs::One(a),
            Err(_) => Addrs::Lookup(self.to_owned()),
        }
    }
}
impl ToSocketAddrs for str {}

impl Sealed for String {
    fn to_addrs(&self) -> Addrs {
        self.as_str().to_addrs()
    }
}
impl ToSocketAddrs for String {}

impl Sealed for (&str, u16) {
    fn to_addrs(&self) -> Addrs {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Addrs::One(SocketAddr::new(ip, self.1)),
            Err(_) => Addrs::LookupHost(self.0.to_owned(), self.1),
        }
    }
}
impl ToSocketAddrs for (&str, u16) {}

impl Sealed for (String, u16) {
    fn to_addrs(&self) -> Addrs {
        (self.0.as_str(), self.1).to_addrs()
    }
}
impl ToSocketAddrs for (String, u16) {}

impl Sealed for [SocketAddr] {
    fn to_addrs(&self) -> Addrs {
        Addrs::Resolved(self.to_vec())
    }
}
impl ToSocketAddrs for [SocketAddr] {}

impl Sealed for Vec<SocketAddr> {
    fn to_addrs(&self) -> Addrs {
        Addrs::Resolved(self.clone())
    }
}
impl ToSocketAddrs for Vec<SocketAddr> {}

impl<T: Sealed + ?Sized> Sealed for &T {
    fn to_addrs(&self) -> Addrs {
        (**self).to_addrs()
    }
}
impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}

/// Resolves `addrs` (host names on a blocking thread). Never returns an empty list.
pub(crate) async fn resolve(addrs: Addrs) -> io::Result<Vec<SocketAddr>> {
    use std::net::ToSocketAddrs as _;
    let (list, what) = match addrs {
        Addrs::One(a) => return Ok(vec![a]),
        Addrs::Resolved(v) => (v, None),
        Addrs::Lookup(s) => {
            let what = s.clone();
            let v = crate::runtime::unblock(move || s.to_socket_addrs().map(Vec::from_iter))
                .await
                .map_err(|e| op_error("lookup", &what, e))?;
            (v, Some(what))
        }
        Addrs::LookupHost(h, port) => {
            let what = format!("{h}:{port}");
            let v = crate::runtime::unblock(move || {
                (h.as_str(), port).to_socket_addrs().map(Vec::from_iter)
            })
            .await
            .map_err(|e| op_error("lookup", &what, e))?;
            (v, Some(what))
        }
    };
    if list.is_empty() {
        let what = what.unwrap_or_else(|| "address list".into());
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("lookup {what}: no addresses"),
        ));
    }
    Ok(list)
}

/// Tries `op` on each address in turn; returns the first success or the last error,
/// annotated Go-style (`connect tcp 127.0.0.1:1: Connection refused (os error 111)`).
pub(crate) async fn each_addr<T, F, Fut>(
    addrs: Vec<SocketAddr>,
    op_name: &str,
    mut op: F,
) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for a in addrs {
        match op(a).await {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(op_error(op_name, &a, e)),
        }
    }
    Err(last.expect("resolve never returns an empty list"))
}

/// An I/O error with the operation and address it happened on (Go's `*net.OpError`).
/// Keeps the original error's kind, and the original error as its `source()`.
pub(crate) fn op_error(op: &str, addr: &dyn fmt::Display, source: io::Error) -> io::Error {
    io::Error::new(
        source.kind(),
        OpError {
            op: op.to_owned(),
            addr: addr.to_string(),
            source,
        },
    )
}

#[derive(Debug)]
struct OpError {
    op: String,
    addr: String,
    source: io::Error,
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.op, self.addr, self.source)
    }
}

impl std::error::Error for OpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
