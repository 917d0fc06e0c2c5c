//! Go by Example: "Tickers". A goroutine prints every tick of a ticker until main
//! stops the ticker and tells it, over a `done` channel, to return.
//!
//! ```text
//! cargo run --example ticker                  # Go's 500 ms ticks scaled by 0.05 (25 ms)
//! cargo run --example ticker -- --scale 1     # Go's timings: ticks every 500 ms for 1.6 s
//! ```
//!
//! Prints three ticks, then `Ticker stopped`.
use std::time::{Duration, Instant};

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

fn main() {
    let scale = scale();
    let ms = move |m: f64| Duration::from_secs_f64(m / 1000.0 * scale);
    goro::run(async move {
        let start = Instant::now();
        let ticker = std::sync::Arc::new(tick(ms(500.0)));
        let (done_tx, done) = goro::chan::<bool>(0);

        let printer = {
            let ticker = ticker.clone();
            goro::go(async move {
                loop {
                    goro::select! {
                        _ = done.recv() => return,
                        t = ticker.recv() => {
                            let t = t.expect("a ticker's channel never closes");
                            println!("Tick at +{:.1?}", t - start);
                        }
                    }
                }
            })
        };

        sleep(ms(1600.0)).await;
        ticker.stop();
        done_tx.send(true).await.unwrap();
        printer.await.unwrap();
        println!("Ticker stopped after {:.1?}", start.elapsed());
    });
}
