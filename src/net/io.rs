//! [`Io<T>`]: a non-blocking socket registered with the reactor, the one type every
//! `goro::net` socket wraps.
//!
//! On Linux and Android it is goro's own edge-triggered epoll reactor
//! (`super::reactor`); elsewhere a thin wrapper over async-io's `Async<T>`. Both
//! offer the same methods:
//!
//! - `read_with` / `write_with`: retry a non-blocking operation until it does not
//!   return `WouldBlock`, waiting for readiness in between. Each call waits with its
//!   own waiter entry, so any number of goroutines may wait on one socket (several
//!   `accept`s on one listener).
//! - `poll_read_with`: the same as a poll function, for `poll_accept` and friends;
//!   it waits in the direction's shared slot (goro's reactor keeps every poller's
//!   waker there, async-io only the last one's).
//! - `AsyncRead` / `AsyncWrite` for `&Io<T>` when `&T` reads and writes.
//!
//! Every operation spends one unit of the goroutine's cooperative budget
//! (`runtime::coop`): a socket that is always ready cannot hold a worker forever.

#[cfg(goro_epoll)]
pub(crate) use epoll::*;
#[cfg(not(goro_epoll))]
pub(crate) use portable::*;

#[cfg(goro_epoll)]
mod epoll {
    use std::future::poll_fn;
    use std::io::{self, IoSlice, IoSliceMut, Read, Write};
    use std::net::SocketAddr;
    use std::os::fd::AsFd;
    use std::pin::Pin;
    use std::task::{Context, Poll, ready};

    use futures_lite::io::{AsyncRead, AsyncWrite};
    use rustix::net::{AddressFamily, SocketFlags, SocketType};

    use crate::runtime::coop;
    use crate::runtime::io::reactor::{READ, Reactor, Registration, WRITE};

    /// A non-blocking socket registered with goro's reactor.
    pub(crate) struct Io<T: AsFd> {
        reg: Registration,
        io: T,
    }

    impl<T: AsFd> Io<T> {
        /// Makes `io` non-blocking and registers it.
        pub(crate) fn new(io: T) -> io::Result<Io<T>> {
            rustix::io::ioctl_fionbio(&io, true)?;
            // Optimistic: try the first operation before waiting for an event.
            Self::with_readiness(io, READ | WRITE)
        }

        fn with_readiness(io: T, ready: usize) -> io::Result<Io<T>> {
            let reg = Reactor::get()?.register(io.as_fd(), ready)?;
            Ok(Io { reg, io })
        }

        pub(crate) fn get_ref(&self) -> &T {
            &self.io
        }

        /// Runs `op` until it does not return `WouldBlock`, waiting for `dir`
        /// readiness in between, with a waiter entry of its own.
        async fn op_with<R>(
            &self,
            dir: usize,
            mut op: impl FnMut(&T) -> io::Result<R>,
        ) -> io::Result<R> {
            struct Unlist<'a>(&'a Registration, Option<usize>);
            impl Drop for Unlist<'_> {
                fn drop(&mut self) {
                    if let Some(k) = self.1 {
                        self.0.io().unlist(k);
                    }
                }
            }
            let mut key = Unlist(&self.reg, None);
            poll_fn(|cx| {
                ready!(coop::poll_proceed(cx));
                loop {
                    let seen = ready!(self.reg.io().poll_ready_listed(cx, dir, &mut key.1));
                    match op(&self.io) {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            self.reg.io().clear(dir, seen)
                        }
                        r => return Poll::Ready(r),
                    }
                }
            })
            .await
        }

        pub(crate) async fn read_with<R>(
            &self,
            op: impl FnMut(&T) -> io::Result<R>,
        ) -> io::Result<R> {
            self.op_with(READ, op).await
        }

        pub(crate) async fn write_with<R>(
            &self,
            op: impl FnMut(&T) -> io::Result<R>,
        ) -> io::Result<R> {
            self.op_with(WRITE, op).await
        }

        /// Waits until the socket reports writable (a connect finished).
        async fn writable(&self) {
            let mut key = None;
            poll_fn(|cx| {
                self.reg
                    .io()
                    .poll_ready_listed(cx, WRITE, &mut key)
                    .map(|_| ())
            })
            .await;
            if let Some(k) = key {
                self.reg.io().unlist(k);
            }
        }

        /// The poll form of [`read_with`](Self::read_with) (one waker slot).
        pub(crate) fn poll_read_with<R>(
            &self,
            cx: &mut Context<'_>,
            mut op: impl FnMut(&T) -> io::Result<R>,
        ) -> Poll<io::Result<R>> {
            ready!(coop::poll_proceed(cx));
            loop {
                let seen = ready!(self.reg.io().poll_ready(cx, READ));
                match op(&self.io) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.reg.io().clear(READ, seen)
                    }
                    r => return Poll::Ready(r),
                }
            }
        }

        /// A stream read or write: `op` moves at most `len` bytes; a result short of
        /// `len` means the socket was drained (or its buffer filled), so readiness
        /// is cleared then too. An empty buffer moves nothing and returns `Ok(0)` at
        /// once, without waiting for readiness (as Go's `Read`/`Write`, std's and
        /// async-io's do), so a zero-length read never blocks.
        fn poll_stream(
            &self,
            cx: &mut Context<'_>,
            dir: usize,
            len: usize,
            mut op: impl FnMut(&T) -> io::Result<usize>,
        ) -> Poll<io::Result<usize>> {
            if len == 0 {
                return Poll::Ready(Ok(0));
            }
            ready!(coop::poll_proceed(cx));
            loop {
                let seen = ready!(self.reg.io().poll_ready(cx, dir));
                match op(&self.io) {
                    Ok(n) => {
                        if n > 0 && n < len {
                            self.reg.io().clear(dir, seen);
                        }
                        return Poll::Ready(Ok(n));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        self.reg.io().clear(dir, seen)
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        }
    }

    impl<T: AsFd> Drop for Io<T> {
        fn drop(&mut self) {
            self.reg.deregister(self.io.as_fd());
        }
    }

    impl<T: AsFd> AsyncRead for &Io<T>
    where
        for<'a> &'a T: Read,
    {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            let len = buf.len();
            self.poll_stream(cx, READ, len, |mut io| io.read(buf))
        }

        fn poll_read_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &mut [IoSliceMut<'_>],
        ) -> Poll<io::Result<usize>> {
            let len = bufs.iter().map(|b| b.len()).sum();
            self.poll_stream(cx, READ, len, |mut io| io.read_vectored(bufs))
        }
    }

    impl<T: AsFd> AsyncWrite for &Io<T>
    where
        for<'a> &'a T: Write,
    {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.poll_stream(cx, WRITE, buf.len(), |mut io| io.write(buf))
        }

        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            let len = bufs.iter().map(|b| b.len()).sum();
            self.poll_stream(cx, WRITE, len, |mut io| io.write_vectored(bufs))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Waits for a non-blocking `connect` on `fd` to finish.
    async fn finish_connect<T: AsFd>(
        io: T,
        started: rustix::io::Result<()>,
        connected: impl Fn(&T) -> io::Result<()>,
    ) -> io::Result<Io<T>> {
        match started {
            Ok(()) => return Io::with_readiness(io, READ | WRITE),
            Err(rustix::io::Errno::INPROGRESS) => {}
            Err(e) => return Err(e.into()),
        }
        // Not writable until the handshake ends (or fails).
        let io = Io::with_readiness(io, 0)?;
        loop {
            io.writable().await;
            let seen = io.reg.io().snapshot();
            if let Err(e) = rustix::net::sockopt::socket_error(&io.io)? {
                return Err(e.into());
            }
            match connected(&io.io) {
                // A stray wake-up: the handshake is still going on.
                Err(e) if e.kind() == io::ErrorKind::NotConnected => io.reg.io().clear(WRITE, seen),
                Err(e) => return Err(e),
                Ok(()) => return Ok(io),
            }
        }
    }

    /// A non-blocking TCP connect to `addr`.
    pub(crate) async fn connect_tcp(addr: SocketAddr) -> io::Result<Io<std::net::TcpStream>> {
        let family = if addr.is_ipv4() {
            AddressFamily::INET
        } else {
            AddressFamily::INET6
        };
        let fd = rustix::net::socket_with(
            family,
            SocketType::STREAM,
            SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
            None,
        )?;
        let started = rustix::net::connect(&fd, &addr);
        finish_connect(std::net::TcpStream::from(fd), started, |s| {
            s.peer_addr().map(drop)
        })
        .await
    }

    /// A non-blocking Unix-domain stream connect to `path`.
    pub(crate) async fn connect_unix(
        path: &std::path::Path,
    ) -> io::Result<Io<std::os::unix::net::UnixStream>> {
        let addr = rustix::net::SocketAddrUnix::new(path)?;
        let fd = rustix::net::socket_with(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
            None,
        )?;
        let started = rustix::net::connect(&fd, &addr);
        finish_connect(std::os::unix::net::UnixStream::from(fd), started, |s| {
            s.peer_addr().map(drop)
        })
        .await
    }
}

#[cfg(not(goro_epoll))]
mod portable {
    use std::io;
    use std::task::{Context, Poll, ready};

    use async_io::Async;

    /// A non-blocking socket registered with async-io's reactor.
    pub(crate) struct Io<T>(Async<T>);

    #[cfg(unix)]
    impl<T: std::os::fd::AsFd> Io<T> {
        pub(crate) fn new(io: T) -> io::Result<Io<T>> {
            Ok(Io(Async::new(io)?))
        }
    }

    #[cfg(windows)]
    impl<T: std::os::windows::io::AsSocket> Io<T> {
        pub(crate) fn new(io: T) -> io::Result<Io<T>> {
            Ok(Io(Async::new(io)?))
        }
    }

    impl<T> Io<T> {
        pub(crate) fn get_ref(&self) -> &T {
            self.0.get_ref()
        }

        pub(crate) async fn read_with<R>(
            &self,
            op: impl FnMut(&T) -> io::Result<R>,
        ) -> io::Result<R> {
            self.0.read_with(op).await
        }

        pub(crate) async fn write_with<R>(
            &self,
            op: impl FnMut(&T) -> io::Result<R>,
        ) -> io::Result<R> {
            self.0.write_with(op).await
        }

        pub(crate) fn poll_read_with<R>(
            &self,
            cx: &mut Context<'_>,
            mut op: impl FnMut(&T) -> io::Result<R>,
        ) -> Poll<io::Result<R>> {
            loop {
                match op(self.0.get_ref()) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    r => return Poll::Ready(r),
                }
                ready!(self.0.poll_readable(cx))?;
            }
        }
    }

    impl<T> futures_lite::io::AsyncRead for &Io<T>
    where
        for<'a> &'a Async<T>: futures_lite::io::AsyncRead,
    {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            std::pin::Pin::new(&mut &self.0).poll_read(cx, buf)
        }

        fn poll_read_vectored(
            self: std::pin::Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &mut [io::IoSliceMut<'_>],
        ) -> Poll<io::Result<usize>> {
            std::pin::Pin::new(&mut &self.0).poll_read_vectored(cx, bufs)
        }
    }

    impl<T> futures_lite::io::AsyncWrite for &Io<T>
    where
        for<'a> &'a Async<T>: futures_lite::io::AsyncWrite,
    {
        fn poll_write(
            self: std::pin::Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            std::pin::Pin::new(&mut &self.0).poll_write(cx, buf)
        }

        fn poll_write_vectored(
            self: std::pin::Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            std::pin::Pin::new(&mut &self.0).poll_write_vectored(cx, bufs)
        }

        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<io::Result<()>> {
            std::pin::Pin::new(&mut &self.0).poll_flush(cx)
        }

        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<io::Result<()>> {
            std::pin::Pin::new(&mut &self.0).poll_close(cx)
        }
    }

    pub(crate) async fn connect_tcp(
        addr: std::net::SocketAddr,
    ) -> io::Result<Io<std::net::TcpStream>> {
        Ok(Io(Async::<std::net::TcpStream>::connect(addr).await?))
    }

    #[cfg(unix)]
    pub(crate) async fn connect_unix(
        path: &std::path::Path,
    ) -> io::Result<Io<std::os::unix::net::UnixStream>> {
        Ok(Io(
            Async::<std::os::unix::net::UnixStream>::connect(path).await?
        ))
    }
}
