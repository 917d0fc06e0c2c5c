//! goro::sync::ErrGroup.
mod common;

use common::run_within;
use goro::atomic::Int64;
use goro::context::{Context, ContextError};
use goro::sync::{ErrGroup, PanicError};
use std::sync::Arc;

#[test]
fn all_ok() {
    run_within(10, async {
        let g: ErrGroup = ErrGroup::new();
        let n = Arc::new(Int64::new(0));
        for _ in 0..20 {
            let n = n.clone();
            g.go(async move {
                n.add(1);
                Ok(())
            });
        }
        g.wait().await.unwrap();
        assert_eq!(n.load(), 20);
    });
}

/// The first error wins, later ones are dropped; the context is cancelled.
#[test]
fn first_error_wins_and_cancels_context() {
    run_within(10, async {
        let (g, ctx): (ErrGroup<String>, Context) = ErrGroup::with_context(&Context::background());
        // The first member fails at once; the others fail only after seeing the
        // context cancelled, so "first" is well defined.
        g.go(async { Err("first".to_string()) });
        for i in 0..5 {
            let ctx = ctx.clone();
            g.go(async move {
                ctx.done().await;
                Err(format!("later {i}"))
            });
        }
        assert_eq!(g.wait().await, Err("first".to_string()));
        assert_eq!(ctx.err(), Some(ContextError::Canceled));
        assert_eq!(g.wait().await, Ok(()));
    });
}

impl From<PanicError> for MyError {
    fn from(p: PanicError) -> Self {
        MyError::Panic(p.message().to_string())
    }
}
#[derive(Debug, PartialEq)]
enum MyError {
    Panic(String),
}

/// A panicking member surfaces as an error.
#[test]
fn panic_becomes_error() {
    run_within(10, async {
        let g: ErrGroup<MyError> = ErrGroup::new();
        g.go(async { panic!("member blew up") });
        assert_eq!(g.wait().await, Err(MyError::Panic("member blew up".into())));
        let g: ErrGroup = ErrGroup::new();
        g.go(async { panic!("{}", String::from("formatted")) });
        assert_eq!(
            g.wait().await.unwrap_err().to_string(),
            "goroutine panicked: formatted"
        );
    });
}

/// `wait` cancels the derived context even when all succeed (as Go's does).
#[test]
fn wait_cancels_context() {
    run_within(10, async {
        let (g, ctx): (ErrGroup, Context) = ErrGroup::with_context(&Context::background());
        g.go(async { Ok(()) });
        g.wait().await.unwrap();
        assert_eq!(ctx.err(), Some(ContextError::Canceled));
    });
}

/// The limit is never exceeded.
#[test]
fn limit_never_exceeded() {
    run_within(20, async {
        let g: ErrGroup = ErrGroup::new().with_limit(3);
        let running = Arc::new(Int64::new(0));
        let max = Arc::new(Int64::new(0));
        for _ in 0..40 {
            let (running, max) = (running.clone(), max.clone());
            g.go(async move {
                let r = running.add(1);
                let mut m = max.load();
                while r > m && !max.compare_and_swap(m, r) {
                    m = max.load();
                }
                goro::yield_now().await;
                goro::yield_now().await;
                running.add(-1);
                Ok(())
            });
        }
        g.wait().await.unwrap();
        assert!(max.load() <= 3, "max running {}", max.load());
        assert!(max.load() >= 1);
        assert_eq!(running.load(), 0);
    });
}

#[test]
fn try_go_and_limits() {
    run_within(10, async {
        let g: ErrGroup = ErrGroup::new();
        assert_eq!(g.limit(), None);
        assert!(g.try_go(async { Ok(()) }));
        g.wait().await.unwrap();
        g.set_limit(1);
        assert_eq!(g.limit(), Some(1));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        assert!(g.try_go(async move {
            let _ = goro::unblock(move || rx.recv()).await;
            Err("late".into())
        }));
        assert!(!g.try_go(async { Ok(()) }));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.set_limit(2)));
        assert!(r.is_err(), "changing the limit with active members panics");
        tx.send(()).unwrap();
        assert_eq!(g.wait().await.unwrap_err().to_string(), "late");
        assert!(format!("{g:?}").starts_with("ErrGroup"));
    });
}

/// Members may spawn more members through a clone of the group.
#[test]
fn nested_members() {
    run_within(10, async {
        let g: ErrGroup = ErrGroup::new();
        let n = Arc::new(Int64::new(0));
        let g2 = g.clone();
        let n2 = n.clone();
        g.go(async move {
            for _ in 0..5 {
                let n = n2.clone();
                g2.go(async move {
                    n.add(1);
                    Ok(())
                });
            }
            Ok(())
        });
        g.wait().await.unwrap();
        assert_eq!(n.load(), 5);
    });
}

#[test]
fn group_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    assert_traits::<ErrGroup>();
    assert_traits::<ErrGroup<String>>();
}
