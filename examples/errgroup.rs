//! An ErrGroup fetches "pages" in parallel with a concurrency limit; one fetch fails,
//! which cancels the group's context so the slow fetches still in flight give up
//! early (a port of the `errgroup.WithContext` example of golang.org/x/sync).
//!
//! ```text
//! cargo run --example errgroup
//! ```
use goro::context::Context;
use goro::sync::{ErrGroup, Mutex};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A fake fetch: takes `latency`, fails for "bad" URLs, gives up when `ctx` is done.
async fn fetch(ctx: Context, url: &'static str, latency: Duration) -> Result<usize, String> {
    // Go: select { case <-time.After(latency): ...; case <-ctx.Done(): ... }
    goro::select! {
        _ = goro::time::sleep(latency) => {}
        _ = ctx.done() => return Err(format!("{url}: {}", ctx.err().unwrap())),
    }
    if url.contains("bad") {
        return Err(format!("{url}: 404 not found"));
    }
    Ok(url.len() * 100)
}

fn main() {
    let start = Instant::now();
    goro::run(async move {
        let (g, ctx): (ErrGroup<String>, Context) = ErrGroup::with_context(&Context::background());
        g.set_limit(3); // at most three fetches at a time
        let pages = Arc::new(Mutex::new(Vec::new()));
        let urls = [
            ("https://go.dev/", 20),
            ("https://go.dev/doc/", 30),
            ("https://bad.example/", 40),
            ("https://go.dev/blog/", 60),
            ("https://go.dev/slow/", 1000),
            ("https://go.dev/slower/", 2000),
        ];
        for (url, ms) in urls {
            let (ctx, pages) = (ctx.clone(), pages.clone());
            g.go(async move {
                let bytes = fetch(ctx, url, Duration::from_millis(ms)).await?;
                println!("fetched {url} ({bytes} bytes)");
                pages.lock().await.push(url);
                Ok(())
            });
        }
        match g.wait().await {
            Ok(()) => println!("all fetched"),
            Err(e) => println!("first error: {e}"),
        }
        println!(
            "{} pages fetched before the failure stopped the rest",
            pages.lock().await.len()
        );
        println!(
            "group context: {}",
            ctx.err().map_or("live".into(), |e| e.to_string())
        );
    });
    println!(
        "done in {} ms (the 1 s and 2 s fetches were cancelled)",
        start.elapsed().as_millis()
    );
}
