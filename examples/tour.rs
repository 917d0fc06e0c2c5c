//! A tour of goro: goroutines, channels, select, WaitGroup, Mutex and timers, each
//! printing what it does: the concurrency chapter of A Tour of Go (goroutines,
//! channels, buffered channels, range and close, select, default selection,
//! sync.Mutex), ported and extended with WaitGroup, timers and contained panics.
//!
//! ```text
//! cargo run --release --example tour
//! ```
use std::sync::Arc;
use std::time::{Duration, Instant};

use goro::select;
use goro::sync::{Mutex, WaitGroup};

fn main() {
    goro::run(async {
        println!(
            "goro tour: {} worker threads (GOMAXPROCS)",
            goro::runtime::gomaxprocs()
        );

        // 1. Goroutines: go(fut) spawns; the handle gives the result.
        let h = goro::go(async { (1..=100u64).sum::<u64>() });
        println!("1. a goroutine summed 1..=100: {}", h.await.unwrap());

        // 2. Many goroutines are cheap: 100,000 of them joined by a WaitGroup.
        let t = Instant::now();
        let wg = WaitGroup::new();
        let total = Arc::new(goro::atomic::Int64::new(0));
        for i in 0..100_000 {
            let total = total.clone();
            wg.go(async move {
                total.add(i);
            });
        }
        wg.wait().await;
        println!(
            "2. 100,000 goroutines added up {} in {:?}",
            total.load(),
            t.elapsed()
        );

        // 3. Unbuffered channel: a send completes when a receiver takes the value.
        let (tx, rx) = goro::chan::<&str>(0);
        goro::go(async move {
            for w in ["ping", "pong", "done"] {
                tx.send(w).await.unwrap();
            }
        });
        let mut words = Vec::new();
        while let Some(w) = rx.recv().await {
            words.push(w); // ends when the sender is dropped (closed)
        }
        println!("3. received over an unbuffered channel: {words:?}");

        // 4. Buffered channel, close, and draining after close.
        let (tx, rx) = goro::chan::<u32>(3);
        for i in 1..=3 {
            tx.send(i).await.unwrap();
        }
        tx.close();
        println!(
            "4. buffered: len={} cap={}, send after close fails: {:?}, drained: {:?}",
            rx.len(),
            rx.cap(),
            tx.try_send(4).is_err(),
            [
                rx.recv().await,
                rx.recv().await,
                rx.recv().await,
                rx.recv().await
            ]
        );

        // 5. select: first ready case wins; a timeout; default when nothing is ready.
        let (tx_a, rx_a) = goro::chan::<&str>(1);
        let (_tx_b, rx_b) = goro::chan::<&str>(1);
        tx_a.send("from a").await.unwrap();
        let got = select! {
            v = rx_a.recv() => v,
            v = rx_b.recv() => v,
        };
        println!("5. select picked the ready channel: {got:?}");
        let got = select! {
            v = rx_b.recv() => format!("got {v:?}"),
            _ = goro::time::sleep(Duration::from_millis(20)) => "timed out after 20ms".to_string(),
        };
        println!("   select with a timeout: {got}");
        let got = select! {
            v = rx_b.recv() => format!("got {v:?}"),
            default => "nothing ready: default".to_string(),
        };
        println!("   select with default: {got}");

        // 6. Mutex: 100 goroutines x 100 increments.
        let counter = Arc::new(Mutex::new(0u64));
        let wg = WaitGroup::new();
        for _ in 0..100 {
            let counter = counter.clone();
            wg.go(async move {
                for _ in 0..100 {
                    *counter.lock().await += 1;
                }
            });
        }
        wg.wait().await;
        println!(
            "6. Mutex-guarded counter after 100x100 increments: {}",
            *counter.lock().await
        );

        // 7. Timers: goroutines sleeping concurrently finish together.
        let t = Instant::now();
        let wg = WaitGroup::new();
        for ms in [30u64, 10, 20] {
            wg.go(async move {
                goro::time::sleep(Duration::from_millis(ms)).await;
                println!("   woke after {ms} ms");
            });
        }
        wg.wait().await;
        println!(
            "7. three sleeps (10, 20, 30 ms) overlapped: all done in {:?}",
            t.elapsed()
        );
        let ticker = goro::time::tick(Duration::from_millis(5));
        let deadline = goro::time::after(Duration::from_millis(28));
        let mut ticks = 0;
        loop {
            select! {
                _ = ticker.recv() => ticks += 1,
                _ = deadline.recv() => break, // the same after() channel every turn
            }
        }
        println!("   a 5 ms ticker ticked {ticks} times before a 28 ms time::after fired");
        let slow = goro::time::timeout(
            Duration::from_millis(5),
            goro::time::sleep(Duration::from_secs(1)),
        );
        println!(
            "   time::timeout(5 ms, a 1 s sleep) = {:?}",
            slow.await.map_err(|e| e.to_string())
        );

        // 8. Panics are contained: goro reports them on stderr with the goroutine's
        // id and spawn location, the handle yields Panicked, the program goes on.
        // (The default hook's own message and backtrace are silenced for the tour.)
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let h = goro::go(async { panic!("something went wrong") });
        let err = h.await.unwrap_err();
        std::panic::set_hook(hook);
        println!("8. a panicking goroutine gave: {err:?}");

        println!(
            "tour done: {} goroutine(s) alive (main)",
            goro::num_goroutines()
        );
    });
}
