//! The goroutine runtime (TEMPORARY STUB: one OS thread per goroutine).
//!
//! This stub exists so that other modules can be built and tested against the final
//! API while the real work-stealing executor is written. Do not rely on its internals.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Why a goroutine did not produce its output.
#[derive(Debug)]
pub enum JoinError {
    /// The goroutine panicked; the payload is the panic's.
    Panicked(Box<dyn std::any::Any + Send + 'static>),
    /// The goroutine was cancelled through [`JoinHandle::cancel`] or by runtime shutdown.
    Cancelled,
}

impl std::fmt::Display for JoinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinError::Panicked(_) => f.write_str("goroutine panicked"),
            JoinError::Cancelled => f.write_str("goroutine was cancelled"),
        }
    }
}
impl std::error::Error for JoinError {}

/// A handle to a spawned goroutine (stub).
pub struct JoinHandle<T> {
    task: async_task::Task<Result<T, JoinError>>,
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx)
    }
}

/// Spawns a goroutine (stub: one thread each).
pub fn go<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let fut = async move {
        match futures_lite::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(fut)).await {
            Ok(v) => Ok(v),
            Err(p) => Err(JoinError::Panicked(p)),
        }
    };
    let (runnable, task) = async_task::spawn(fut, |r: async_task::Runnable| {
        std::thread::spawn(move || {
            r.run();
        });
    });
    runnable.schedule();
    JoinHandle { task }
}

/// Runs `fut` as Go's `main` (stub).
pub fn run<F: Future>(fut: F) -> F::Output {
    futures_lite::future::block_on(fut)
}

/// Yields to other goroutines (stub).
pub async fn yield_now() {
    futures_lite::future::yield_now().await
}

/// Number of live goroutines (stub: always 0).
pub fn num_goroutines() -> usize {
    0
}

/// Runs blocking code on a thread pool (stub: a thread each).
pub async fn unblock<T, F>(f: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (runnable, task) = async_task::spawn(async move { f() }, |r: async_task::Runnable| {
        std::thread::spawn(move || {
            r.run();
        });
    });
    runnable.schedule();
    task.await
}

/// A runtime (stub).
pub struct Runtime;
/// Runtime builder (stub).
pub struct Builder;
