//! Time: sleeping, timers, tickers and timeouts (TEMPORARY STUB).
use std::time::{Duration, Instant};

/// Sleeps for `d` (stub: a thread per sleep).
pub async fn sleep(d: Duration) {
    crate::runtime::unblock(move || std::thread::sleep(d)).await
}

/// Sleeps until `t` (stub).
pub async fn sleep_until(t: Instant) {
    sleep(t.saturating_duration_since(Instant::now())).await
}
