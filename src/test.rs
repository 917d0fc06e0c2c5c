//! Test helpers. [`no_leaks`] is go.uber.org/goleak's idea: a test fails when
//! goroutines it started are still alive after it.

use std::future::Future;
use std::time::{Duration, Instant};

/// How long [`no_leaks`] waits for goroutines to finish before failing.
pub const LEAK_GRACE: Duration = Duration::from_secs(1);

/// Runs `f`, then checks that every goroutine started while it ran has finished,
/// waiting up to [`LEAK_GRACE`] for stragglers; panics with a goroutine dump if some
/// are still alive. Call it inside the runtime under test (in `run` or
/// `#[goro::test]`).
///
/// ```
/// goro::run(goro::test::no_leaks(async {
///     let h = goro::go(async { 1 + 1 });
///     assert_eq!(h.await.unwrap(), 2);
/// }));
/// ```
///
/// ```should_panic
/// goro::run(goro::test::no_leaks(async {
///     goro::go(std::future::pending::<()>()); // leaked
/// }));
/// ```
pub async fn no_leaks<F: Future>(f: F) -> F::Output {
    let before = crate::num_goroutines();
    let out = f.await;
    let deadline = Instant::now() + LEAK_GRACE;
    loop {
        let now = crate::num_goroutines();
        if now <= before {
            return out;
        }
        if Instant::now() >= deadline {
            panic!(
                "goro::test::no_leaks: {} goroutine(s) started inside are still alive after {:?}:\n{}",
                now - before,
                LEAK_GRACE,
                crate::runtime::dump_string()
            );
        }
        crate::time::sleep(Duration::from_millis(1)).await;
    }
}
