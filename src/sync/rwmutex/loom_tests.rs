//! The loom models of `rwmutex.rs`.

use super::RwMutex;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// A writer and two readers: never a reader together with the writer, no lost
/// wake-up (every thread finishes), the state returns to idle.
#[test]
fn readers_and_writer() {
    loom::model(|| {
        let m = Arc::new(RwMutex::new(0usize));
        let writer_in = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (m, writer_in) = (m.clone(), writer_in.clone());
                loom::thread::spawn(move || {
                    let g = loom::future::block_on(m.read());
                    assert_eq!(writer_in.load(SeqCst), 0);
                    assert!(*g <= 1);
                })
            })
            .collect();
        {
            let mut g = loom::future::block_on(m.write());
            writer_in.store(1, SeqCst);
            *g += 1;
            writer_in.store(0, SeqCst);
        }
        for r in readers {
            r.join().unwrap();
        }
        assert_eq!(*m.try_write().unwrap(), 1);
        let s = m.raw.state.load(SeqCst);
        assert_eq!(s & !(u64::MAX << 49), 0, "state not idle: {s:#x}");
    });
}
