//! Owned read and write halves of a stream, for a reader and a writer goroutine.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};

/// The read half of a stream, from [`TcpStream::split`] or [`UnixStream::split`]:
/// implements [`AsyncRead`] only. Owned (`'static`) and [`Send`], so it can move into
/// a goroutine of its own while another goroutine writes through the [`WriteHalf`].
///
/// The socket closes when both halves (and every clone of the stream) are dropped.
///
/// [`TcpStream::split`]: crate::net::TcpStream::split
/// [`UnixStream::split`]: crate::net::UnixStream::split
///
/// # Examples
///
/// ```
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// use goro::net::{TcpListener, TcpStream};
///
/// goro::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     let (mut r, _w) = client.split();
///     let reader = goro::go(async move {
///         let mut buf = [0; 5];
///         r.read_exact(&mut buf).await.map(|()| buf)
///     });
///     (&server).write_all(b"hello").await?;
///     assert_eq!(&reader.await.unwrap()?, b"hello");
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct ReadHalf<S>(pub(crate) S);

/// The write half of a stream, from [`TcpStream::split`] or [`UnixStream::split`]:
/// implements [`AsyncWrite`] only. Owned (`'static`) and [`Send`].
///
/// Dropping it does not shut the connection down (the read half may still be in
/// use); `close().await` (from [`futures_lite::AsyncWriteExt`]) shuts down the write
/// side, so that the peer reads end-of-file (Go's `CloseWrite`).
///
/// [`TcpStream::split`]: crate::net::TcpStream::split
/// [`UnixStream::split`]: crate::net::UnixStream::split
///
/// # Examples
///
/// ```
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
/// use goro::net::{TcpListener, TcpStream};
///
/// goro::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await?;
///     let client = TcpStream::connect(listener.local_addr()?).await?;
///     let (mut server, _) = listener.accept().await?;
///     let (_r, mut w) = client.split();
///     let writer = goro::go(async move {
///         w.write_all(b"bye").await?;
///         w.close().await // the server sees end-of-file after "bye"
///     });
///     let mut got = String::new();
///     server.read_to_string(&mut got).await?;
///     assert_eq!(got, "bye");
///     writer.await.unwrap()
/// })
/// .unwrap();
/// ```
#[derive(Debug)]
pub struct WriteHalf<S>(pub(crate) S);

impl<S> ReadHalf<S> {
    /// The stream this half reads from (for its addresses and options).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (r, _w) = conn.split();
    /// assert_eq!(r.get_ref().peer_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.0
    }
}

impl<S> WriteHalf<S> {
    /// The stream this half writes to (for its addresses and options).
    ///
    /// # Examples
    ///
    /// ```
    /// # goro::run(async {
    /// let listener = goro::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let conn = goro::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (_r, w) = conn.split();
    /// w.get_ref().set_nodelay(false)?;
    /// # std::io::Result::Ok(()) }).unwrap();
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.0
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadHalf<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }

    fn poll_read_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read_vectored(cx, bufs)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteHalf<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}
