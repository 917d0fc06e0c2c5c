//! The scenarios of `tests/deadlock.rs`, each run in a child process whose only
//! threads are goro's and those the scenario starts.

use super::{Case, Expect};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the plain threads of the no-false-report scenarios stay silent (the old
/// detector guessed after 1 s of stillness).
const SILENCE: Duration = Duration::from_secs(3);

const fn case(name: &'static str, expect: Expect, run: fn()) -> Case {
    Case {
        name,
        expect,
        env: &[],
        stdin_after: None,
        example: None,
        run,
    }
}

const NONE: Expect = Expect::Ok(&[]);

pub static CASES: &[Case] = &[
    // Classic deadlocks of pure-goroutine programs: reported.
    case(
        "unbuffered_send_nobody_receives",
        Expect::Deadlock(&["goroutine main [chan send]"]),
        unbuffered_send_nobody_receives,
    ),
    case(
        "waitgroup_that_never_reaches_zero",
        Expect::Deadlock(&["sync.WaitGroup.Wait"]),
        waitgroup_that_never_reaches_zero,
    ),
    case(
        "two_goroutines_lock_two_mutexes_in_opposite_order",
        Expect::Deadlock(&["sync.Mutex.Lock", "JoinHandle.await"]),
        two_goroutines_lock_two_mutexes_in_opposite_order,
    ),
    case(
        "select_with_no_ready_case_and_pending_forever",
        Expect::Deadlock(&["goroutine main [select]"]),
        select_with_no_ready_case_and_pending_forever,
    ),
    Case {
        env: &[("GOMAXPROCS", "1")],
        ..case(
            "detected_with_gomaxprocs_1",
            Expect::Deadlock(&["workers=1", "goroutine main [chan send]"]),
            detected_with_gomaxprocs_1,
        )
    },
    case(
        "detected_in_block_on_with_one_worker",
        Expect::Deadlock(&["goroutine main [chan receive]", "[sync.WaitGroup.Wait]"]),
        detected_in_block_on_with_one_worker,
    ),
    #[cfg(feature = "macros")]
    case(
        "detected_under_goro_main_with_one_worker",
        Expect::Deadlock(&["goroutine main [chan send]"]),
        detected_under_goro_main_with_one_worker,
    ),
    #[cfg(feature = "macros")]
    case(
        "detected_under_goro_main",
        Expect::Deadlock(&["goroutine main [sync.Mutex.Lock]"]),
        detected_under_goro_main,
    ),
    case(
        "detected_after_a_plain_thread_was_joined",
        Expect::Deadlock(&["goroutine main [chan receive]"]),
        detected_after_a_plain_thread_was_joined,
    ),
    case(
        "detected_after_a_plain_thread_has_exited",
        Expect::Deadlock(&["goroutine main [chan receive]"]),
        detected_after_a_plain_thread_has_exited,
    ),
    case(
        "detected_with_idle_blocking_pool_threads_and_fired_timers",
        Expect::Deadlock(&["goroutine main [chan receive]"]),
        detected_with_idle_blocking_pool_threads_and_fired_timers,
    ),
    Case {
        example: Some("deadlock"),
        ..case(
            "example_deadlock",
            Expect::Deadlock(&["goroutine main [chan send]", "[sync.WaitGroup.Wait]"]),
            || unreachable!("runs the example binary"),
        )
    },
    // No false report: a plain thread completes the main goroutine's wait after a
    // long silence. All run at once, so together they cost about SILENCE.
    case(
        "no_report_thread_sleeps_then_send_blocking",
        NONE,
        no_report_thread_sleeps_then_send_blocking,
    ),
    case(
        "no_report_thread_sleeps_then_sends_one_worker",
        NONE,
        no_report_thread_sleeps_then_sends_one_worker,
    ),
    case(
        "no_report_thread_computes_then_sends",
        NONE,
        no_report_thread_computes_then_sends,
    ),
    case(
        "no_report_thread_calls_waitgroup_done",
        NONE,
        no_report_thread_calls_waitgroup_done,
    ),
    Case {
        stdin_after: Some((SILENCE, "hello\n")),
        ..case(
            "no_report_stdin_reader_fed_late",
            Expect::Ok(&["got hello"]),
            no_report_stdin_reader_fed_late,
        )
    },
    case(
        "no_report_thread_releases_a_semaphore",
        NONE,
        no_report_thread_releases_a_semaphore,
    ),
    case(
        "no_report_thread_unlocks_a_mutex",
        NONE,
        no_report_thread_unlocks_a_mutex,
    ),
    // Deadlocked, but a thread goro does not own is alive and could still end it:
    // goro cannot prove the deadlock and stays silent (Go, which owns every
    // thread, would report these).
    case(
        "silent_while_a_plain_thread_lives",
        Expect::Silent(SILENCE),
        silent_while_a_plain_thread_lives,
    ),
    case(
        "silent_while_another_goro_runtime_lives",
        Expect::Silent(SILENCE),
        silent_while_another_goro_runtime_lives,
    ),
    // Short waits on things goro sees, or cannot see into.
    case(
        "no_report_while_a_timer_is_pending",
        NONE,
        no_report_while_a_timer_is_pending,
    ),
    case(
        "no_report_while_a_goroutine_is_in_unblock",
        NONE,
        no_report_while_a_goroutine_is_in_unblock,
    ),
    case(
        "no_report_while_a_thread_is_in_a_blocking_call",
        NONE,
        no_report_while_a_thread_is_in_a_blocking_call,
    ),
    case(
        "no_report_with_a_foreign_future",
        NONE,
        no_report_with_a_foreign_future,
    ),
    case(
        "no_report_while_goroutines_wait_on_sockets",
        NONE,
        no_report_while_goroutines_wait_on_sockets,
    ),
    case(
        "detection_can_be_turned_off",
        NONE,
        detection_can_be_turned_off,
    ),
    case(
        "goroutines_snapshot_and_dump_content",
        NONE,
        goroutines_snapshot_and_dump_content,
    ),
    case(
        "no_leaks_passes_when_everything_finished",
        NONE,
        no_leaks_passes_when_everything_finished,
    ),
    case(
        "no_leaks_fails_on_a_leaked_goroutine",
        NONE,
        no_leaks_fails_on_a_leaked_goroutine,
    ),
    Case {
        env: &[("GOMAXPROCS", "1")],
        ..case(
            "run_with_gomaxprocs_1_main_on_the_calling_thread",
            Expect::Ok(&["yield ran the goroutine on the calling thread"]),
            run_with_gomaxprocs_1_main_on_the_calling_thread,
        )
    },
];

fn rt2() -> goro::Runtime {
    goro::Runtime::builder().workers(2).build()
}

fn unbuffered_send_nobody_receives() {
    rt2().block_on(async {
        let (tx, _rx) = goro::chan::<u32>(0);
        tx.send(1).await.unwrap();
    });
}

fn waitgroup_that_never_reaches_zero() {
    rt2().block_on(async {
        let wg = goro::sync::WaitGroup::new();
        wg.add(2);
        let w = wg.clone();
        goro::go(async move { w.done() });
        wg.wait().await;
    });
}

fn two_goroutines_lock_two_mutexes_in_opposite_order() {
    rt2().block_on(async {
        use goro::sync::Mutex;
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
}

fn select_with_no_ready_case_and_pending_forever() {
    rt2().block_on(async {
        let (_tx, rx) = goro::chan::<u8>(0);
        goro::go(std::future::pending::<()>());
        goro::select! {
            _ = rx.recv() => {},
        }
    });
}

fn detected_with_gomaxprocs_1() {
    goro::run(async {
        eprintln!("workers={}", goro::runtime::gomaxprocs());
        let (tx, _rx) = goro::chan::<u8>(0);
        tx.send(1).await.unwrap();
    });
}

fn detected_in_block_on_with_one_worker() {
    let rt = goro::Runtime::builder().workers(1).build();
    // Goroutines spawned before `block_on` run on the runtime's stand-in thread,
    // which steps aside for `block_on`'s caller.
    let wg = goro::sync::WaitGroup::new();
    wg.add(1);
    let w = wg.clone();
    rt.go(async move { w.wait().await });
    rt.block_on(async {
        let (_tx, rx) = goro::chan::<u8>(0);
        rx.recv().await;
    });
}

#[cfg(feature = "macros")]
#[goro::main(workers = 1)]
async fn detected_under_goro_main_with_one_worker() {
    let (tx, _rx) = goro::chan::<u8>(0);
    tx.send(1).await.unwrap();
}

#[cfg(feature = "macros")]
#[goro::main]
async fn detected_under_goro_main() {
    let m = goro::sync::Mutex::new(());
    let _g = m.lock().await;
    let _g2 = m.lock().await;
}

fn detected_after_a_plain_thread_was_joined() {
    goro::run(async {
        let (tx, rx) = goro::chan::<u8>(1);
        let t = std::thread::spawn(move || tx.send_blocking(1).unwrap());
        assert_eq!(rx.recv().await, Some(1));
        goro::unblock(move || t.join().unwrap()).await;
        let (_tx2, rx2) = goro::chan::<u8>(0);
        rx2.recv().await;
    });
}

fn detected_after_a_plain_thread_has_exited() {
    goro::run(async {
        let (tx, rx) = goro::chan::<u8>(0);
        let (_keep, never) = goro::chan::<u8>(0);
        // Sends, then ends: for a moment it is still alive after main was woken.
        std::thread::spawn(move || tx.send_blocking(1).unwrap());
        assert_eq!(rx.recv().await, Some(1));
        never.recv().await;
    });
}

fn detected_with_idle_blocking_pool_threads_and_fired_timers() {
    goro::run(async {
        // Pool threads stay alive (idle) for 10 s after this; timers have fired.
        goro::unblock(|| ()).await;
        goro::time::sleep(Duration::from_millis(20)).await;
        let t = goro::time::after(Duration::from_millis(10));
        t.recv().await;
        let (_tx, rx) = goro::chan::<u8>(0);
        rx.recv().await;
    });
}

fn silent_while_a_plain_thread_lives() {
    let (_keep, parked) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || parked.recv());
    goro::run(async {
        let (_tx, rx) = goro::chan::<u8>(0);
        rx.recv().await;
    });
}

fn silent_while_another_goro_runtime_lives() {
    // `go` outside any runtime starts the global runtime (threads of its own).
    let (tx, rx) = std::sync::mpsc::channel();
    goro::go(async move { tx.send(()).unwrap() });
    rx.recv().unwrap();
    goro::run(async {
        let (_tx, rx) = goro::chan::<u8>(0);
        rx.recv().await;
    });
}

fn no_report_thread_sleeps_then_send_blocking() {
    goro::run(async {
        let t0 = Instant::now();
        let (tx, rx) = goro::chan::<u8>(0);
        std::thread::spawn(move || {
            std::thread::sleep(SILENCE);
            tx.send_blocking(7).unwrap();
        });
        assert_eq!(rx.recv().await, Some(7));
        assert!(t0.elapsed() >= SILENCE);
    });
}

fn no_report_thread_sleeps_then_sends_one_worker() {
    goro::Runtime::builder().workers(1).build().block_on(async {
        let t0 = Instant::now();
        let (tx, rx) = goro::chan::<u8>(1);
        std::thread::spawn(move || {
            std::thread::sleep(SILENCE);
            tx.try_send(8).unwrap();
        });
        assert_eq!(rx.recv().await, Some(8));
        assert!(t0.elapsed() >= SILENCE);
    });
}

fn no_report_thread_computes_then_sends() {
    goro::run(async {
        let t0 = Instant::now();
        let (tx, rx) = goro::chan::<u64>(0);
        std::thread::spawn(move || {
            // Busy for SILENCE: no sleep, no system call goro could notice.
            let mut x = 1u64;
            while t0.elapsed() < SILENCE {
                for _ in 0..10_000 {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            }
            tx.send_blocking(x).unwrap();
        });
        assert!(rx.recv().await.is_some());
        assert!(t0.elapsed() >= SILENCE);
    });
}

fn no_report_thread_calls_waitgroup_done() {
    goro::run(async {
        let t0 = Instant::now();
        let wg = goro::sync::WaitGroup::new();
        wg.add(1);
        let w = wg.clone();
        std::thread::spawn(move || {
            std::thread::sleep(SILENCE);
            w.done();
        });
        wg.wait().await;
        assert!(t0.elapsed() >= SILENCE);
    });
}

/// The program: a plain thread forwards stdin lines into a channel; the
/// parent writes the first line only after SILENCE.
fn no_report_stdin_reader_fed_late() {
    goro::run(async {
        let (tx, rx) = goro::chan::<String>(0);
        std::thread::spawn(move || {
            for line in std::io::stdin().lines() {
                if tx.send_blocking(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        while let Some(l) = rx.recv().await {
            println!("got {l}");
        }
    });
}

fn no_report_thread_releases_a_semaphore() {
    goro::run(async {
        let sem = Arc::new(goro::sync::Semaphore::new(1));
        let (taken_tx, taken) = goro::chan::<()>(1);
        let s = sem.clone();
        std::thread::spawn(move || {
            let p = s.acquire_blocking(1);
            taken_tx.send_blocking(()).unwrap();
            std::thread::sleep(SILENCE);
            drop(p);
        });
        taken.recv().await;
        let t0 = Instant::now();
        let _p = sem.acquire(1).await;
        assert!(t0.elapsed() >= SILENCE - Duration::from_millis(100));
    });
}

fn no_report_thread_unlocks_a_mutex() {
    goro::run(async {
        let m = Arc::new(goro::sync::Mutex::new(0));
        let (taken_tx, taken) = goro::chan::<()>(1);
        let m2 = m.clone();
        std::thread::spawn(move || {
            let mut g = m2.lock_blocking();
            taken_tx.send_blocking(()).unwrap();
            std::thread::sleep(SILENCE);
            *g = 1;
        });
        taken.recv().await;
        let t0 = Instant::now();
        assert_eq!(*m.lock().await, 1);
        assert!(t0.elapsed() >= SILENCE - Duration::from_millis(100));
    });
}

fn no_report_while_a_timer_is_pending() {
    rt2().block_on(async {
        let (tx, rx) = goro::chan::<u8>(0);
        goro::go(async move {
            goro::time::sleep(Duration::from_millis(300)).await;
            tx.send(1).await.unwrap();
        });
        assert_eq!(rx.recv().await, Some(1));
    });
}

fn no_report_while_a_goroutine_is_in_unblock() {
    goro::run(async {
        let (tx, rx) = goro::chan::<u8>(0);
        goro::go(async move {
            goro::unblock(|| std::thread::sleep(Duration::from_millis(300))).await;
            tx.send(2).await.unwrap();
        });
        assert_eq!(rx.recv().await, Some(2));
    });
}

fn no_report_while_a_thread_is_in_a_blocking_call() {
    goro::run(async {
        let (tx1, rx1) = goro::chan::<u8>(1);
        let (tx2, rx2) = goro::chan::<u8>(0);
        // T1 sits in a `_blocking` call for 300 ms, waiting for T2, which sleeps.
        let t1 = std::thread::spawn(move || {
            let v = rx1.recv_blocking().unwrap();
            tx2.send_blocking(v + 1).unwrap();
        });
        let t2 = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            tx1.try_send(1).unwrap();
        });
        assert_eq!(rx2.recv().await, Some(2));
        goro::unblock(move || {
            t1.join().unwrap();
            t2.join().unwrap();
        })
        .await;
    });
}

fn no_report_with_a_foreign_future() {
    goro::run(async {
        // A future goro cannot see into: woken by a plain thread after 300 ms.
        let (fire, wait) = oneshot();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            fire();
        });
        wait.await;
    });
}

/// A minimal foreign wake-up source: a flag plus a stored waker.
fn oneshot() -> (impl FnOnce() + Send, impl std::future::Future<Output = ()>) {
    use std::sync::Mutex;
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

/// Without the `net` feature there are no sockets: the scenario passes trivially.
#[cfg(not(feature = "net"))]
fn no_report_while_goroutines_wait_on_sockets() {}

#[cfg(feature = "net")]
fn no_report_while_goroutines_wait_on_sockets() {
    // Every goroutine waits on the network (accept, read); a plain thread connects
    // and writes after 1.5 s each. Waiting on I/O is not a deadlock.
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
    });
}

fn detection_can_be_turned_off() {
    // With detection off, a deadlocked main just waits; bound it with a timeout.
    let rt = goro::Runtime::builder().detect_deadlock(false).build();
    let r = rt.block_on(async {
        let (_tx, rx) = goro::chan::<u8>(0);
        goro::time::timeout(Duration::from_millis(300), rx.recv()).await
    });
    assert!(r.is_err());
}

fn goroutines_snapshot_and_dump_content() {
    goro::run(async {
        let (tx, rx) = goro::chan::<u8>(0);
        let m = Arc::new(goro::sync::Mutex::new(()));
        let guard = m.lock().await;
        let m2 = m.clone();
        let reader = goro::runtime::go_named("reader", async move { rx.recv().await });
        let locker = goro::runtime::go_named("locker", async move {
            let _g = m2.lock().await;
        });
        // Wait (bounded by the parent's limit) until both have parked.
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
        assert!(d.contains("tests/deadlock/scenarios.rs"), "{d}");
        drop(guard);
        tx.send(1).await.unwrap();
        assert_eq!(reader.await.unwrap(), Some(1));
        locker.await.unwrap();
    });
}

fn no_leaks_passes_when_everything_finished() {
    goro::run(goro::test::no_leaks(async {
        let (tx, rx) = goro::chan::<u8>(0);
        goro::go(async move { tx.send(1).await.unwrap() });
        assert_eq!(rx.recv().await, Some(1));
    }));
}

fn no_leaks_fails_on_a_leaked_goroutine() {
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
    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("1 goroutine(s) started inside are still alive"),
        "{msg}"
    );
    assert!(msg.contains("\"leaky\" [chan receive]"), "{msg}");
}

/// `run` with GOMAXPROCS=1 (the variable is process-wide, hence a child): the
/// calling thread is the one worker; a yield lets a spawned goroutine run first.
fn run_with_gomaxprocs_1_main_on_the_calling_thread() {
    let me = std::thread::current().id();
    goro::run(async move {
        assert_eq!(std::thread::current().id(), me);
        let h = goro::go(async { std::thread::current().id() });
        goro::yield_now().await;
        assert!(h.is_finished());
        assert_eq!(h.await.unwrap(), me);
        println!("yield ran the goroutine on the calling thread");
    });
}
