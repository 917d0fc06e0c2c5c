//! `_blocking` methods inside a goroutine panic, naming the async method to use
//! (they would block a worker thread, and with it every goroutine queued there);
//! from plain threads and inside `unblock(..)` they work.
mod common;

use common::{run_within, within};
use std::sync::Arc;

/// Runs `f` inside a goroutine and returns its panic message.
fn panic_in_goroutine(f: impl FnOnce() + Send + 'static) -> String {
    run_within(20, async move {
        let r = goro::go(async move { f() }).await;
        let e = r.expect_err("a _blocking call inside a goroutine must panic");
        e.panic_message().unwrap_or_default().to_owned()
    })
}

fn assert_names(msg: &str, what: &str, instead: &str) {
    assert!(msg.contains(what), "{msg}");
    assert!(msg.contains(instead), "{msg}");
    assert!(msg.contains("inside a goroutine"), "{msg}");
}

#[test]
fn channel_blocking_calls_panic_in_a_goroutine() {
    let (tx, rx) = goro::chan::<u8>(1);
    let m = panic_in_goroutine(move || {
        let _ = tx.send_blocking(1);
    });
    assert_names(&m, "Sender::send_blocking", "tx.send(v).await");
    let m = panic_in_goroutine(move || {
        let _ = rx.recv_blocking();
    });
    assert_names(&m, "Receiver::recv_blocking", "rx.recv().await");
}

#[test]
fn sync_blocking_calls_panic_in_a_goroutine() {
    let mu = Arc::new(goro::sync::Mutex::new(0));
    let m = panic_in_goroutine(move || drop(mu.lock_blocking()));
    assert_names(&m, "Mutex::lock_blocking", "m.lock().await");
    let rw = Arc::new(goro::sync::RwMutex::new(0));
    let rw2 = rw.clone();
    let m = panic_in_goroutine(move || drop(rw.read_blocking()));
    assert_names(&m, "RwMutex::read_blocking", "m.read().await");
    let m = panic_in_goroutine(move || drop(rw2.write_blocking()));
    assert_names(&m, "RwMutex::write_blocking", "m.write().await");
    let sem = Arc::new(goro::sync::Semaphore::new(1));
    let m = panic_in_goroutine(move || drop(sem.acquire_blocking(1)));
    assert_names(&m, "Semaphore::acquire_blocking", "sem.acquire(n).await");
    let wg = goro::sync::WaitGroup::new();
    let m = panic_in_goroutine(move || wg.wait_blocking());
    assert_names(&m, "WaitGroup::wait_blocking", "wg.wait().await");
    let once = Arc::new(goro::sync::Once::new());
    let m = panic_in_goroutine(move || once.call_once_blocking(|| ()));
    assert_names(&m, "Once::call_once_blocking", "once.call_once(..).await");
    let cell = Arc::new(goro::sync::OnceCell::<u8>::new());
    let m = panic_in_goroutine(move || {
        let _ = cell.get_or_init_blocking(|| 1);
    });
    assert_names(
        &m,
        "OnceCell::get_or_init_blocking",
        "cell.get_or_init(..).await",
    );
}

#[test]
fn select_blocking_panics_in_a_goroutine() {
    let (tx, rx) = goro::chan::<u8>(1);
    tx.try_send(1).unwrap();
    let m = panic_in_goroutine(move || {
        let mut s = goro::Select::new();
        s.recv(&rx);
        let _ = s.select_blocking();
    });
    assert_names(&m, "Select::select_blocking", "s.select().await");
}

/// Even when it would not block (a free mutex, a done Once), so that the misuse
/// shows up in every run, not only under contention.
#[test]
fn the_panic_does_not_depend_on_contention() {
    let mu = Arc::new(goro::sync::Mutex::new(0));
    assert!(panic_in_goroutine(move || drop(mu.lock_blocking())).contains("lock_blocking"));
    let once = Arc::new(goro::sync::Once::new());
    once.call_once_blocking(|| ());
    assert!(panic_in_goroutine(move || once.call_once_blocking(|| ())).contains("call_once"));
}

#[test]
fn the_main_goroutine_panics_too() {
    let msg = within(20, || {
        let r = std::panic::catch_unwind(|| {
            goro::run(async {
                let (tx, _rx) = goro::chan::<u8>(1);
                let _ = tx.send_blocking(1);
            })
        });
        let p = r.expect_err("send_blocking in main must panic");
        p.downcast_ref::<String>().cloned().unwrap_or_default()
    });
    assert_names(&msg, "Sender::send_blocking", "tx.send(v).await");
}

#[test]
fn blocking_calls_work_inside_unblock_and_on_plain_threads() {
    run_within(20, async {
        let (tx, rx) = goro::chan::<u8>(0);
        let t = std::thread::spawn(move || tx.send_blocking(4));
        let got = goro::unblock(move || rx.recv_blocking()).await;
        assert_eq!(got, Some(4));
        goro::unblock(move || t.join().unwrap()).await.unwrap();
        let m = Arc::new(goro::sync::Mutex::new(1));
        let m2 = m.clone();
        assert_eq!(goro::unblock(move || *m2.lock_blocking()).await, 1);
        let wg = goro::sync::WaitGroup::new();
        wg.add(1);
        let w = wg.clone();
        let waiter = goro::unblock(move || w.wait_blocking());
        wg.done();
        waiter.await;
    });
}

/// A goroutine's `block_on` of another executor is not goro's business, but a
/// `_blocking` call nested in it still runs on the worker: it panics too.
#[test]
fn nested_in_a_foreign_block_on_on_a_worker_it_still_panics() {
    let (tx, _rx) = goro::chan::<u8>(1);
    let m = panic_in_goroutine(move || {
        futures_lite::future::block_on(async move {
            let _ = tx.send_blocking(1);
        })
    });
    assert_names(&m, "Sender::send_blocking", "tx.send(v).await");
}
