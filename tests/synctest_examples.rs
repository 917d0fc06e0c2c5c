//! goro's time-based examples, tested in synctest bubbles at their real timings:
//! each takes seconds of virtual time and microseconds to milliseconds of real time.

mod common;

use std::time::{Duration, Instant};

use common::within;

#[allow(dead_code)]
#[path = "../examples/rate_limiter.rs"]
mod rate_limiter;

#[allow(dead_code)]
#[path = "../examples/ticker.rs"]
mod ticker;

#[allow(dead_code)]
#[path = "../examples/context_cancel.rs"]
mod context_cancel;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// The lines of the log that start with `who`, with their times.
fn of(log: &[(Duration, String)], who: &str) -> Vec<(Duration, String)> {
    log.iter()
        .filter(|(_, l)| l.starts_with(who))
        .cloned()
        .collect()
}

#[test]
fn rate_limiter_evicts_idle_clients_at_exact_instants() {
    let real = Instant::now();
    // The example's "second" is a real second here: 10 s of virtual time.
    let log = within(60, || {
        goro::test::synctest(rate_limiter::simulate(secs(1.0)))
    });
    let took = real.elapsed();

    let janitor = of(&log, "janitor");
    let mut evicted: Vec<(Duration, &str)> = janitor
        .iter()
        .map(|(t, l)| (*t, l.split_whitespace().nth(2).unwrap()))
        .collect();
    evicted.sort(); // one sweep evicts in the map's order
    // carol was last seen at 0.5 s, dave at 0.2 s: idle > 3 s at the 4 s sweep;
    // alice's last request was at 2 s: evicted at the 6 s sweep.
    assert_eq!(
        evicted,
        [
            (secs(4.0), "carol"),
            (secs(4.0), "dave"),
            (secs(6.0), "alice")
        ],
        "{log:#?}"
    );
    let alice: Vec<String> = of(&log, "alice").into_iter().map(|(_, l)| l).collect();
    assert_eq!(alice.iter().filter(|l| l.ends_with("LIMITED")).count(), 2);
    assert_eq!(alice.len(), 7);
    let bob = of(&log, "bob");
    assert!(bob.iter().all(|(_, l)| l.contains("allowed")), "{bob:?}");
    assert_eq!(bob.last().unwrap().0, secs(7.2));
    // dave came back at 5.2 s, after his eviction: a full bucket again.
    assert_eq!(
        of(&log, "dave").last().unwrap(),
        &(secs(5.2), "dave  request 5: allowed (2 left)".to_string())
    );
    assert_eq!(
        log.last().unwrap(),
        &(
            secs(7.2),
            "done; clients still tracked: bob, dave".to_string()
        )
    );
    eprintln!("rate limiter: 7.2 s of virtual time in {took:?} of real time");
}

#[test]
fn ticker_loop_ticks_at_go_timings() {
    let real = Instant::now();
    let (ticks, stopped) = within(60, || {
        goro::test::synctest(ticker::ticker_loop(secs(0.5), secs(1.6)))
    });
    let took = real.elapsed();
    assert_eq!(ticks, [secs(0.5), secs(1.0), secs(1.5)]);
    assert_eq!(stopped, secs(1.6));
    eprintln!("ticker: 1.6 s of virtual time in {took:?} of real time");
}

#[test]
fn context_timeout_cuts_the_operation_off_at_the_deadline() {
    use goro::context::ContextError;
    let real = Instant::now();
    let (r, waited) = within(60, || {
        goro::test::synctest(context_cancel::bounded_operation(secs(30.0), secs(3600.0)))
    });
    let took = real.elapsed();
    assert_eq!(r, Err(ContextError::DeadlineExceeded));
    assert_eq!(waited, secs(30.0));
    let (r, waited) = within(60, || {
        goro::test::synctest(context_cancel::bounded_operation(secs(30.0), secs(29.0)))
    });
    assert_eq!((r, waited), (Ok(()), secs(29.0)));
    eprintln!("context timeout: 30 s of virtual time in {took:?} of real time");
}
