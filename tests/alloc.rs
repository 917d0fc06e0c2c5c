//! Hot paths allocate nothing per operation (the brief's rule, measured): a global
//! allocator that counts calls wraps the system one, and each section runs an
//! operation many times after a warm-up and checks the count. One `#[test]`, so no
//! other test of this binary allocates in between; background threads (timers,
//! deadlock watch) may allocate now and then, hence a small allowance rather than
//! zero.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::run_within;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc`/`realloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const OPS: usize = 20_000;

/// Allocations per operation over `OPS` runs of `op` (after `OPS / 10` warm-ups).
async fn per_op<F, Fut>(what: &str, mut op: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..OPS / 10 {
        op().await;
    }
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..OPS {
        op().await;
    }
    let n = ALLOCS.load(Ordering::Relaxed) - before;
    let per = n as f64 / OPS as f64;
    eprintln!("{what}: {n} allocations in {OPS} operations ({per:.4} per op)");
    per
}

#[test]
fn hot_paths_do_not_allocate_per_operation() {
    run_within(120, async {
        // Allowance for background threads: one allocation per 200 operations.
        const NONE: f64 = 0.005;

        // Unbuffered ping-pong between two goroutines (send, recv, park, wake).
        let (ping_tx, ping_rx) = goro::chan::<u64>(0);
        let (pong_tx, pong_rx) = goro::chan::<u64>(0);
        let echo = goro::go(async move {
            while let Some(v) = ping_rx.recv().await {
                pong_tx.send(v + 1).await.unwrap();
            }
        });
        let per = per_op("unbuffered round trip", || async {
            ping_tx.send(1).await.unwrap();
            assert_eq!(pong_rx.recv().await, Some(2));
        })
        .await;
        assert!(per <= NONE, "unbuffered round trip allocates {per} per op");
        drop(ping_tx);
        echo.await.unwrap();

        // Buffered send and receive.
        let (tx, rx) = goro::chan::<u64>(16);
        let per = per_op("buffered send+recv", || async {
            tx.send(7).await.unwrap();
            assert_eq!(rx.recv().await, Some(7));
        })
        .await;
        assert!(per <= NONE, "buffered send+recv allocates {per} per op");

        // select! over two channels, one ready.
        let (a_tx, a_rx) = goro::chan::<u64>(1);
        let (_b_tx, b_rx) = goro::chan::<u64>(1);
        let per = per_op("select over two channels", || async {
            a_tx.try_send(3).unwrap();
            goro::select! {
                v = a_rx.recv() => assert_eq!(v, Some(3)),
                _ = b_rx.recv() => unreachable!(),
            }
        })
        .await;
        assert!(per <= NONE, "select allocates {per} per op");

        // A select that parks and is woken by another goroutine.
        let (c_tx, c_rx) = goro::chan::<u64>(0);
        let (d_tx, d_rx) = goro::chan::<u64>(0);
        let feeder = goro::go(async move { while c_tx.send(1).await.is_ok() {} });
        let per = per_op("parked select woken by a sender", || async {
            goro::select! {
                v = c_rx.recv() => assert_eq!(v, Some(1)),
                _ = d_rx.recv() => unreachable!(),
            }
        })
        .await;
        assert!(per <= NONE, "parked select allocates {per} per op");
        drop(c_rx);
        feeder.await.unwrap();
        drop(d_tx);

        // A Mutex taken in turn by two goroutines (on two workers they also collide).
        let m = Arc::new(goro::sync::Mutex::new(0u64));
        let m2 = m.clone();
        let (stop_tx, stop_rx) = goro::chan::<()>(1);
        let rival = goro::go(async move {
            while stop_rx.try_recv().is_err() {
                *m2.lock().await += 1;
                goro::yield_now().await;
            }
        });
        let per = per_op("mutex lock+unlock (two goroutines)", || async {
            *m.lock().await += 1;
        })
        .await;
        assert!(per <= NONE, "mutex allocates {per} per op");
        stop_tx.send(()).await.unwrap();
        rival.await.unwrap();

        // WaitGroup add/done/wait.
        let wg = goro::sync::WaitGroup::new();
        let per = per_op("waitgroup add+done+wait", || async {
            wg.add(1);
            wg.done();
            wg.wait().await;
        })
        .await;
        assert!(per <= NONE, "waitgroup allocates {per} per op");

        // Spawn + join: the task itself is one allocation; nothing more.
        let per = per_op("spawn + join", || async {
            goro::go(async { 1u8 }).await.unwrap();
        })
        .await;
        assert!(per <= 1.0 + NONE, "spawn allocates {per} per goroutine");

        // A timer armed and fired (sleep), and one armed and dropped (a timeout
        // whose future is ready first): the wheel reuses its entries.
        let per = per_op("sleep 1 us (armed and fired)", || {
            goro::time::sleep(std::time::Duration::from_micros(1))
        })
        .await;
        assert!(per <= NONE, "sleep allocates {per} per op");
        let per = per_op("timeout that does not fire", || async {
            let r = goro::time::timeout(std::time::Duration::from_secs(1), async { 1 }).await;
            assert_eq!(r.unwrap(), 1);
        })
        .await;
        assert!(per <= NONE, "timeout allocates {per} per op");
        // Go's `select { case v := <-ch: case <-time.After(d): }` (W5): time.After
        // makes a channel, as in Go; that one allocation is all.
        let (e_tx, e_rx) = goro::chan::<u64>(1);
        let per = per_op("select with time::after", || async {
            e_tx.try_send(1).unwrap();
            goro::select! {
                v = e_rx.recv() => assert_eq!(v, Some(1)),
                _ = goro::time::after(std::time::Duration::from_secs(1)) => unreachable!(),
            }
        })
        .await;
        assert!(
            per <= 1.0 + NONE,
            "select with after allocates {per} per op"
        );

        // A TCP round trip through goro's netpoller.
        #[cfg(feature = "net")]
        {
            use futures_lite::{AsyncReadExt, AsyncWriteExt};
            let listener = goro::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = goro::net::TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let echo = goro::go(async move {
                let mut buf = [0u8; 64];
                loop {
                    let n = server.read(&mut buf).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    server.write_all(&buf[..n]).await.unwrap();
                }
            });
            let mut msg = [5u8; 64];
            for _ in 0..OPS / 10 {
                client.write_all(&msg).await.unwrap();
                client.read_exact(&mut msg).await.unwrap();
            }
            let before = ALLOCS.load(Ordering::Relaxed);
            for _ in 0..OPS {
                client.write_all(&msg).await.unwrap();
                client.read_exact(&mut msg).await.unwrap();
            }
            let n = ALLOCS.load(Ordering::Relaxed) - before;
            let per = n as f64 / OPS as f64;
            eprintln!("tcp round trip: {n} allocations in {OPS} operations ({per:.4} per op)");
            assert!(per <= NONE, "tcp round trip allocates {per} per op");
            drop(client);
            echo.await.unwrap();
        }
    });
}
