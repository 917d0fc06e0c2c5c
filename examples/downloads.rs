//! Simulated downloads joined with a WaitGroup (Go's classic "fetch in parallel,
//! wait for all" pattern).
//!
//! Each goroutine "downloads" a file in chunks (a short sleep per chunk stands in for
//! the network), reporting progress into a shared `Mutex`; `main` waits on the
//! `WaitGroup` and prints a summary.
//!
//! ```text
//! cargo run --example downloads
//! ```
use goro::atomic::Uint64;
use goro::sync::{Mutex, WaitGroup};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct File {
    name: &'static str,
    size_kib: u64,
    kib_per_chunk: u64,
}

fn main() {
    let files = [
        File {
            name: "debian.iso",
            size_kib: 4096,
            kib_per_chunk: 512,
        },
        File {
            name: "photos.zip",
            size_kib: 1536,
            kib_per_chunk: 256,
        },
        File {
            name: "paper.pdf",
            size_kib: 300,
            kib_per_chunk: 100,
        },
        File {
            name: "song.mp3",
            size_kib: 800,
            kib_per_chunk: 200,
        },
        File {
            name: "notes.txt",
            size_kib: 4,
            kib_per_chunk: 4,
        },
    ];
    let start = Instant::now();
    goro::run(async move {
        let wg = WaitGroup::new();
        let total = Arc::new(Uint64::new(0));
        let finished = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for f in files {
            let (total, finished) = (total.clone(), finished.clone());
            handles.push(wg.go(async move {
                let t = Instant::now();
                let mut got = 0;
                while got < f.size_kib {
                    goro::time::sleep(Duration::from_millis(10)).await; // the "network"
                    let chunk = f.kib_per_chunk.min(f.size_kib - got);
                    got += chunk;
                    total.add(chunk);
                }
                println!(
                    "{:<11} {:>5} KiB in {:>4} ms",
                    f.name,
                    got,
                    t.elapsed().as_millis()
                );
                finished.lock().await.push(f.name);
            }));
        }
        wg.wait().await; // Go: wg.Wait()
        for h in handles {
            h.await.expect("a download panicked");
        }
        let order = finished.lock().await;
        println!(
            "{} downloads, {} KiB, finished in this order: {}",
            order.len(),
            total.load(),
            order.join(", ")
        );
    });
    println!(
        "total time {} ms (concurrent, not the sum)",
        start.elapsed().as_millis()
    );
}
