//! goro::atomic.
mod common;

use common::within;
use goro::atomic::{Bool, Int32, Int64, Uint32, Uint64, Value};
use std::sync::Arc;

#[test]
fn integers_follow_go() {
    let a = Int32::new(5);
    assert_eq!(a.add(3), 8); // returns the NEW value
    assert_eq!(a.add(-10), -2);
    assert_eq!(a.swap(7), -2);
    assert!(a.compare_and_swap(7, 9));
    assert!(!a.compare_and_swap(7, 10));
    assert_eq!(a.and(0b1000), 9); // returns the OLD value
    assert_eq!(a.load(), 8);
    assert_eq!(a.or(0b0011), 8);
    assert_eq!(a.load(), 11);
    a.store(i32::MAX);
    assert_eq!(a.add(1), i32::MIN); // wraps

    let b = Int64::default();
    assert_eq!(b.add(-1), -1);
    let c = Uint32::from(0);
    assert_eq!(c.add(u32::MAX), u32::MAX);
    assert_eq!(c.add(1), 0);
    let d = Uint64::new(0xF0);
    assert_eq!(d.and(0x3C), 0xF0);
    assert_eq!(d.or(0x01), 0x30);
    assert_eq!(d.load(), 0x31);
    assert_eq!(format!("{d:?} {b:?}"), "49 -1");
}

#[test]
fn bool_ops() {
    let b = Bool::default();
    assert!(!b.load());
    assert!(!b.swap(true));
    assert!(b.compare_and_swap(true, false));
    b.store(true);
    assert_eq!(format!("{b:?}"), "true");
    assert!(Bool::from(true).load());
}

#[test]
fn concurrent_adds() {
    within(10, || {
        let n = Arc::new(Int64::new(0));
        let ths: Vec<_> = (0..4)
            .map(|_| {
                let n = n.clone();
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        n.add(1);
                    }
                })
            })
            .collect();
        for t in ths {
            t.join().unwrap();
        }
        assert_eq!(n.load(), 40_000);
    });
}

#[test]
fn value_ops() {
    let v = Value::new(vec![1]);
    assert_eq!(*v.load(), vec![1]);
    v.store(vec![2]);
    let old = v.swap(vec![3]);
    assert_eq!(*old, vec![2]);
    let cur = v.load();
    assert!(!v.compare_and_swap(&old, Arc::new(vec![9])));
    assert!(v.compare_and_swap(&cur, Arc::new(vec![4])));
    assert_eq!(*v.load(), vec![4]);
    v.store_arc(Arc::new(vec![5]));
    assert_eq!(*v.swap_arc(Arc::new(vec![6])), vec![5]);
    assert_eq!(format!("{v:?}"), "[6]");
    let d: Value<String> = Value::default();
    assert_eq!(*d.load(), "");
    let f = Value::from(1u8);
    assert_eq!(*f.load(), 1);
}

/// Readers always see a whole value while a writer replaces it.
#[test]
fn value_concurrent_readers() {
    within(10, || {
        let v = Arc::new(Value::new((0u64, 0u64)));
        let writer = {
            let v = v.clone();
            std::thread::spawn(move || {
                for i in 1..=2000u64 {
                    v.store((i, i * 2));
                }
            })
        };
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let v = v.clone();
                std::thread::spawn(move || {
                    for _ in 0..2000 {
                        let x = v.load();
                        assert_eq!(x.1, x.0 * 2);
                    }
                })
            })
            .collect();
        writer.join().unwrap();
        for r in readers {
            r.join().unwrap();
        }
        assert_eq!(*v.load(), (2000, 4000));
    });
}
