//! Timers that are dropped before firing leave nothing in the timer wheel. The
//! armed-timer count is process-wide, so these tests live in their own binary and
//! run one at a time.
mod common;

use common::{run_within, within};
use goro::time::{Timer, after, sleep};
use std::future::Future;
use std::sync::Mutex;
use std::task::{Context, Waker};
use std::time::Duration;

static COUNTING: Mutex<()> = Mutex::new(());

#[test]
fn losing_timeout_branch_drops_its_timer() {
    let _g = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    run_within(20, async {
        let (tx, rx) = goro::chan::<u32>(1);
        let before = goro::time::armed_timers();
        for i in 0..10_000 {
            tx.send(i).await.unwrap();
            let v = goro::select! {
                v = rx.recv() => v,
                _ = after(Duration::from_secs(3600)) => None,
            };
            assert_eq!(v, Some(i));
        }
        // Other tests may arm short timers meanwhile; 10,000 lingering hour-long
        // timers would show.
        assert!(goro::time::armed_timers() < before + 100);
    });
}

#[test]
fn dropped_timers_leave_nothing_behind() {
    let _g = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    within(20, || {
        let before = goro::time::armed_timers();
        let mut cx = Context::from_waker(Waker::noop());
        let mut sleeps: Vec<_> = (0..100_000u64)
            .map(|i| Box::pin(sleep(Duration::from_secs(1000 + i))))
            .collect();
        for s in &mut sleeps {
            assert!(s.as_mut().poll(&mut cx).is_pending());
        }
        let afters: Vec<_> = (0..1000)
            .map(|_| after(Duration::from_secs(1000)))
            .collect();
        let timers: Vec<_> = (0..1000)
            .map(|_| Timer::new(Duration::from_secs(1000)))
            .collect();
        assert!(goro::time::armed_timers() >= before + 102_000);
        drop(sleeps);
        drop(afters);
        drop(timers);
        assert!(goro::time::armed_timers() < before + 100);
    });
}
