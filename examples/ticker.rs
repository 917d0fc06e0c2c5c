//! Go by Example: "Tickers". A goroutine prints every tick of a ticker until main
//! stops the ticker and tells it, over a `done` channel, to return.
//!
//! ```text
//! cargo run --example ticker                  # Go's 500 ms ticks scaled by 0.05 (25 ms)
//! cargo run --example ticker -- --scale 1     # Go's timings: ticks every 500 ms for 1.6 s
//! ```
//!
//! Prints three ticks, then `Ticker stopped`. Its time comes from `goro::time`, so
//! `tests/synctest_examples.rs` runs [`ticker_loop`] at Go's timings in a synctest
//! bubble and checks each tick's exact instant.
use std::time::Duration;

use goro::time::{sleep, tick};

/// `--scale F` (default 0.05): the factor applied to the Go program's durations.
fn scale() -> f64 {
    let mut args = std::env::args().skip(1);
    let mut scale = 0.05;
    while let Some(a) = args.next() {
        match (a.as_str(), args.next().map(|v| v.parse::<f64>())) {
            ("--scale", Some(Ok(f))) if f > 0.0 && f.is_finite() => scale = f,
            _ => {
                eprintln!("usage: ticker [--scale F]  (F > 0, default 0.05)");
                std::process::exit(2);
            }
        }
    }
    scale
}

/// Go's program with its durations: ticks every `every` until `stop_after`; prints
/// and returns when each tick came (since the start) and when the ticker stopped.
pub async fn ticker_loop(every: Duration, stop_after: Duration) -> (Vec<Duration>, Duration) {
    let start = goro::time::now();
    let ticker = std::sync::Arc::new(tick(every));
    let (done_tx, done) = goro::chan::<bool>(0);

    let printer = {
        let ticker = ticker.clone();
        goro::go(async move {
            let mut ticks = Vec::new();
            loop {
                goro::select! {
                    _ = done.recv() => return ticks,
                    t = ticker.recv() => {
                        let t = t.expect("a ticker's channel never closes");
                        println!("Tick at +{:.1?}", t - start);
                        ticks.push(t - start);
                    }
                }
            }
        })
    };

    sleep(stop_after).await;
    ticker.stop();
    done_tx.send(true).await.unwrap();
    let ticks = printer.await.unwrap();
    let stopped = goro::time::now() - start;
    println!("Ticker stopped after {stopped:.1?}");
    (ticks, stopped)
}

fn main() {
    let scale = scale();
    let ms = move |m: f64| Duration::from_secs_f64(m / 1000.0 * scale);
    goro::run(ticker_loop(ms(500.0), ms(1600.0)));
}
