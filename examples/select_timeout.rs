//! Go by Example: "Timeouts". A result that comes too slowly loses a `select!` to
//! `time::after`; given a longer timeout, the same kind of result wins. Then the same
//! two races with `goro::time::timeout`, the Rust idiom for bounding one future.
//!
//! ```text
//! cargo run --example select_timeout                 # Go's seconds scaled by 0.05
//! cargo run --example select_timeout -- --scale 1    # Go's timings: 2 s work, 1 s / 3 s timeouts
//! ```
//!
//! Prints `timeout 1` then `result 2` (twice: select, then `timeout`).
use std::time::{Duration, Instant};

use goro::time::{after, sleep, timeout};

/// `--scale F` (default 0.05): the factor applied to the Go program's seconds.
fn scale() -> f64 {
    let mut args = std::env::args().skip(1);
    let mut scale = 0.05;
    while let Some(a) = args.next() {
        match (a.as_str(), args.next().map(|v| v.parse::<f64>())) {
            ("--scale", Some(Ok(f))) if f > 0.0 && f.is_finite() => scale = f,
            _ => {
                eprintln!("usage: select_timeout [--scale F]  (F > 0, default 0.05)");
                std::process::exit(2);
            }
        }
    }
    scale
}

fn main() {
    let scale = scale();
    let secs = move |s: f64| Duration::from_secs_f64(s * scale);
    goro::run(async move {
        let start = Instant::now();
        let at = || format!("{:>7.1?}", start.elapsed());

        // A goroutine that takes 2 "seconds" to produce its result. The channel is
        // buffered, so the send does not block forever when nobody receives.
        let (c1_tx, c1) = goro::chan::<String>(1);
        goro::go(async move {
            sleep(secs(2.0)).await;
            let _ = c1_tx.send("result 1".into()).await;
        });
        // Wait for it for at most 1 "second": the timeout wins.
        goro::select! {
            res = c1.recv() => println!("[{}] {}", at(), res.unwrap()),
            _ = after(secs(1.0)) => println!("[{}] timeout 1", at()),
        }

        // With 3 "seconds" to spare, the result wins.
        let (c2_tx, c2) = goro::chan::<String>(1);
        goro::go(async move {
            sleep(secs(2.0)).await;
            let _ = c2_tx.send("result 2".into()).await;
        });
        goro::select! {
            res = c2.recv() => println!("[{}] {}", at(), res.unwrap()),
            _ = after(secs(3.0)) => println!("[{}] timeout 2", at()),
        }

        // The same two races with `timeout`, which bounds any future and drops it
        // (here: the goroutine's handle, detaching it) when time runs out.
        let slow = goro::go(async move {
            sleep(secs(2.0)).await;
            "result 3"
        });
        match timeout(secs(1.0), slow).await {
            Ok(res) => println!("[{}] {}", at(), res.unwrap()),
            Err(e) => println!("[{}] timeout 3 ({e})", at()),
        }
        let slow = goro::go(async move {
            sleep(secs(2.0)).await;
            "result 4"
        });
        match timeout(secs(3.0), slow).await {
            Ok(res) => println!("[{}] {}", at(), res.unwrap()),
            Err(e) => println!("[{}] timeout 4 ({e})", at()),
        }
    });
}
