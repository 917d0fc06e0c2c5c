//! Cancellation and deadlines with `goro::context` (ports of Go's `context` package
//! examples: WithCancel stopping a generator goroutine, WithTimeout bounding a slow
//! operation, and cancellation reaching grandchildren).
//!
//! ```text
//! cargo run --example context_cancel
//! ```
//!
//! Its time comes from `goro::time`, so `tests/synctest_examples.rs` runs
//! [`bounded_operation`] in a synctest bubble and checks the exact instant the
//! deadline cut the operation off.
use goro::atomic::Int64;
use goro::context::{Context, ContextError};
use std::sync::Arc;
use std::time::Duration;

/// Runs `op` unless `ctx` is done first (Go: `select { case <-ctx.Done(): ...; case r := <-op: ... }`).
async fn with_ctx<T>(
    ctx: &Context,
    op: impl std::future::Future<Output = T>,
) -> Result<T, ContextError> {
    goro::select! {
        v = op => Ok(v),
        _ = ctx.done() => Err(ctx.err().unwrap()),
    }
}

/// Go's `context.WithTimeout` example: an operation of `op` under a `budget`;
/// returns its result and how long the caller waited.
pub async fn bounded_operation(
    budget: Duration,
    op: Duration,
) -> (Result<(), ContextError>, Duration) {
    let t = goro::time::now();
    let (ctx, _cancel) = Context::background().with_timeout(budget);
    let r = with_ctx(&ctx, goro::time::sleep(op)).await;
    (r, goro::time::now() - t)
}

fn main() {
    goro::run(async {
        // 1. WithCancel: a generator goroutine counts until its context is cancelled.
        let (ctx, cancel) = Context::background().with_cancel();
        let produced = Arc::new(Int64::new(0));
        let generator = {
            let (ctx, produced) = (ctx.clone(), produced.clone());
            goro::go(async move {
                while ctx.err().is_none() {
                    produced.add(1);
                    goro::yield_now().await;
                }
                ctx.err()
            })
        };
        goro::time::sleep(Duration::from_millis(20)).await;
        cancel.cancel();
        let why = generator.await.unwrap();
        println!(
            "generator stopped after {} values: {}",
            produced.load(),
            why.unwrap()
        );

        // 2. WithTimeout: a 50 ms budget for an operation that takes 1 s.
        match bounded_operation(Duration::from_millis(50), Duration::from_secs(1)).await {
            (Ok(()), _) => println!("slow operation finished"),
            (Err(e), waited) => println!(
                "slow operation abandoned after {} ms: {e}",
                waited.as_millis()
            ),
        }

        // 3. Propagation: cancelling the root reaches a grandchild with its own deadline.
        let (root, cancel_root) = Context::background().with_cancel();
        let (child, _c1) = root.with_timeout(Duration::from_secs(60));
        let (grandchild, _c2) = child.with_cancel();
        let watcher = {
            let g = grandchild.clone();
            goro::go(async move {
                g.done().await;
                g.err()
            })
        };
        cancel_root.cancel();
        println!(
            "grandchild (deadline in {:?}) saw: {}",
            grandchild
                .deadline()
                .map(|d| d.saturating_duration_since(goro::time::now()).as_secs()),
            watcher.await.unwrap().unwrap()
        );
    });
}
