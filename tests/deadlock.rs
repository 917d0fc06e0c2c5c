//! Deadlock detection: Go's "all goroutines are asleep - deadlock!".
mod common;

use common::within;
use std::time::Duration;

fn deadlock_message<F: std::future::Future + Send + 'static>(fut: F) -> String
where
    F::Output: Send + 'static,
{
    within(20, move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            goro::Runtime::builder().workers(2).build().block_on(fut);
        }));
        match r {
            Ok(()) => panic!("expected a deadlock panic"),
            Err(p) => p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        }
    })
}

#[test]
fn unbuffered_send_nobody_receives() {
    let msg = deadlock_message(async {
        let (tx, _rx) = goro::chan::<u32>(0);
        tx.send(1).await.unwrap();
    });
    assert!(
        msg.contains("all goroutines are asleep - deadlock!"),
        "{msg}"
    );
    assert!(msg.contains("fatal error"), "{msg}");
    assert!(msg.contains("goroutine main [chan send]"), "{msg}");
}

#[test]
fn waitgroup_that_never_reaches_zero() {
    let msg = deadlock_message(async {
        let wg = goro::sync::WaitGroup::new();
        wg.add(2);
        let w = wg.clone();
        goro::go(async move { w.done() });
        wg.wait().await;
    });
    assert!(
        msg.contains("all goroutines are asleep - deadlock!"),
        "{msg}"
    );
    assert!(msg.contains("sync.WaitGroup.Wait"), "{msg}");
}

#[test]
fn two_goroutines_lock_two_mutexes_in_opposite_order() {
    let msg = deadlock_message(async {
        use goro::sync::Mutex;
        use std::sync::Arc;
        let (a, b) = (Arc::new(Mutex::new(())), Arc::new(Mutex::new(())));
        let (in_a, got_a) = goro::chan::<()>(1);
        let (in_b, got_b) = goro::chan::<()>(1);
        let (a1, b1) = (a.clone(), b.clone());
        let h1 = goro::go(async move {
            let _ga = a1.lock().await;
            in_a.send(()).await.unwrap();
            got_b.recv().await;
            let _gb = b1.lock().await;
        });
        let h2 = goro::go(async move {
            let _gb = b.lock().await;
            in_b.send(()).await.unwrap();
            got_a.recv().await;
            let _ga = a.lock().await;
        });
        let _ = h1.await;
        let _ = h2.await;
    });
    assert!(
        msg.contains("all goroutines are asleep - deadlock!"),
        "{msg}"
    );
    assert!(msg.contains("sync.Mutex.Lock"), "{msg}");
    assert!(msg.contains("JoinHandle.await"), "{msg}");
}

#[test]
fn select_with_no_ready_case_and_pending_forever() {
    let msg = deadlock_message(async {
        let (_tx, rx) = goro::chan::<u8>(0);
        goro::go(std::future::pending::<()>());
        goro::select! {
            _ = rx.recv() => {},
        }
    });
    assert!(msg.contains("deadlock"), "{msg}");
}

#[test]
fn no_report_while_a_timer_is_pending() {
    within(20, || {
        goro::Runtime::builder().workers(2).build().block_on(async {
            let (tx, rx) = goro::chan::<u8>(0);
            goro::go(async move {
                goro::time::sleep(Duration::from_millis(300)).await;
                tx.send(1).await.unwrap();
            });
            assert_eq!(rx.recv().await, Some(1));
        })
    });
}

#[test]
fn no_report_while_a_goroutine_is_in_unblock() {
    within(20, || {
        goro::run(async {
            let (tx, rx) = goro::chan::<u8>(0);
            goro::go(async move {
                goro::unblock(|| std::thread::sleep(Duration::from_millis(300))).await;
                tx.send(2).await.unwrap();
            });
            assert_eq!(rx.recv().await, Some(2));
        })
    });
}

#[test]
fn no_report_while_a_thread_is_in_a_blocking_call() {
    within(20, || {
        goro::run(async {
            let (tx1, rx1) = goro::chan::<u8>(1);
            let (tx2, rx2) = goro::chan::<u8>(0);
            // T1 sits in a `_blocking` call (visible to goro) for 300 ms, waiting
            // for T2, a plain thread goro cannot see.
            let t1 = std::thread::spawn(move || {
                let v = rx1.recv_blocking().unwrap();
                tx2.send_blocking(v + 1).unwrap();
            });
            let t2 = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                tx1.try_send(1).unwrap();
            });
            assert_eq!(rx2.recv().await, Some(2));
            t1.join().unwrap();
            t2.join().unwrap();
        })
    });
}

#[test]
fn no_report_with_a_foreign_future() {
    within(20, || {
        goro::run(async {
            // A future goro cannot see into: woken by a plain thread after 300 ms.
            let (tx, rx) = futures_lite_oneshot();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                tx();
            });
            rx.await;
        })
    });
}

/// A minimal foreign wake-up source: a flag plus a stored waker.
fn futures_lite_oneshot() -> (impl FnOnce() + Send, impl std::future::Future<Output = ()>) {
    use std::sync::{Arc, Mutex};
    use std::task::{Poll, Waker};
    let slot: Arc<Mutex<(bool, Option<Waker>)>> = Arc::default();
    let s2 = slot.clone();
    let fire = move || {
        let w = {
            let mut g = s2.lock().unwrap();
            g.0 = true;
            g.1.take()
        };
        if let Some(w) = w {
            w.wake();
        }
    };
    let wait = futures_lite::future::poll_fn(move |cx| {
        let mut g = slot.lock().unwrap();
        if g.0 {
            Poll::Ready(())
        } else {
            g.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    });
    (fire, wait)
}

#[test]
fn detection_can_be_turned_off() {
    // With detection off, a deadlocked main just waits; bound it with a timeout.
    within(20, || {
        let rt = goro::Runtime::builder().detect_deadlock(false).build();
        let r = rt.block_on(async {
            let (_tx, rx) = goro::chan::<u8>(0);
            goro::time::timeout(Duration::from_millis(300), rx.recv()).await
        });
        assert!(r.is_err());
    });
}

#[test]
fn goroutines_snapshot_and_dump_content() {
    within(20, || {
        goro::run(async {
            let (tx, rx) = goro::chan::<u8>(0);
            let m = std::sync::Arc::new(goro::sync::Mutex::new(()));
            let guard = m.lock().await;
            let m2 = m.clone();
            let reader = goro::runtime::go_named("reader", async move { rx.recv().await });
            let locker = goro::runtime::go_named("locker", async move {
                let _g = m2.lock().await;
            });
            // Wait (bounded by `within`) until both have parked.
            while goro::runtime::goroutines().len() < 2 {
                goro::yield_now().await;
            }
            let gs = goro::runtime::goroutines();
            let by_name = |n: &str| gs.iter().find(|g| g.name.as_deref() == Some(n)).unwrap();
            assert_eq!(by_name("reader").waiting_on, Some("chan receive"));
            assert_eq!(by_name("locker").waiting_on, Some("sync.Mutex.Lock"));
            assert_eq!(
                by_name("reader").state,
                goro::runtime::GoroutineState::Waiting
            );
            assert_eq!(by_name("reader").id, reader.id());
            let d = goro::runtime::dump_string();
            assert!(d.contains("goroutine main"), "{d}");
            assert!(d.contains("\"reader\" [chan receive]"), "{d}");
            assert!(d.contains("\"locker\" [sync.Mutex.Lock]"), "{d}");
            assert!(d.contains("tests/deadlock.rs"), "{d}");
            drop(guard);
            tx.send(1).await.unwrap();
            assert_eq!(reader.await.unwrap(), Some(1));
            locker.await.unwrap();
        })
    });
}

#[test]
fn no_leaks_passes_when_everything_finished() {
    within(20, || {
        goro::run(goro::test::no_leaks(async {
            let (tx, rx) = goro::chan::<u8>(0);
            goro::go(async move { tx.send(1).await.unwrap() });
            assert_eq!(rx.recv().await, Some(1));
        }))
    });
}

#[test]
fn no_leaks_fails_on_a_leaked_goroutine() {
    let msg = within(20, || {
        let r = std::panic::catch_unwind(|| {
            goro::Runtime::builder()
                .detect_deadlock(false)
                .build()
                .block_on(goro::test::no_leaks(async {
                    let (tx, rx) = goro::chan::<u8>(0);
                    goro::runtime::go_named("leaky", async move { rx.recv().await });
                    tx // kept alive: the goroutine waits for ever
                }))
        });
        let p = r.expect_err("a leak must fail");
        p.downcast_ref::<String>().cloned().unwrap_or_default()
    });
    assert!(
        msg.contains("1 goroutine(s) started inside are still alive"),
        "{msg}"
    );
    assert!(msg.contains("\"leaky\" [chan receive]"), "{msg}");
}

/// GOMAXPROCS=1: `run`'s calling thread is the only worker, and deadlocks are still
/// reported. In a child process (this binary, filtered to the helper below), since
/// the variable is process-wide.
#[test]
fn detected_with_gomaxprocs_1() {
    within(60, || {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "gomaxprocs_1_child", "--nocapture", "--ignored"])
            .env("GOMAXPROCS", "1")
            .env("GORO_DEADLOCK_CHILD", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("all goroutines are asleep - deadlock!"),
            "{err}"
        );
        assert!(err.contains("workers=1"), "{err}");
    });
}

#[test]
#[ignore = "helper of detected_with_gomaxprocs_1 (run in a child process)"]
fn gomaxprocs_1_child() {
    if std::env::var("GORO_DEADLOCK_CHILD").is_err() {
        return;
    }
    goro::run(async {
        eprintln!("workers={}", goro::runtime::gomaxprocs());
        let (tx, _rx) = goro::chan::<u8>(0);
        tx.send(1).await.unwrap();
    });
}

#[test]
fn no_report_for_a_plain_thread_that_sends_after_a_pause() {
    // A habit of tokio and smol users' tests: a plain thread sleeps, then sends.
    within(20, || {
        goro::run(async {
            let (tx, rx) = goro::chan::<u8>(1);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                tx.send_blocking(7).unwrap();
            });
            assert_eq!(rx.recv().await, Some(7));
        })
    });
}

#[test]
#[cfg(feature = "net")]
fn no_report_while_goroutines_wait_on_sockets() {
    // Every goroutine waits on the network (accept, read) for longer than the grace
    // period; a plain thread connects and writes after 1.5 s. Waiting on I/O is not
    // a deadlock: the reactor holds the wakers.
    within(20, || {
        goro::run(async {
            use futures_lite::{AsyncReadExt, AsyncWriteExt};
            let listener = goro::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let peer = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(1500));
                let mut c = std::net::TcpStream::connect(addr).unwrap();
                std::thread::sleep(Duration::from_millis(1500));
                std::io::Write::write_all(&mut c, b"x").unwrap();
                let mut b = [0u8; 1];
                std::io::Read::read_exact(&mut c, &mut b).unwrap();
                b[0]
            });
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut b = [0u8; 1];
            conn.read_exact(&mut b).await.unwrap();
            conn.write_all(b"y").await.unwrap();
            assert_eq!(goro::unblock(move || peer.join().unwrap()).await, b'y');
        })
    });
}
