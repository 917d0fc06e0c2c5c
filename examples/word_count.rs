//! Count words in several files concurrently into one `Mutex`-guarded map (Go's
//! `mu.Lock(); counts[w]++; mu.Unlock()` across goroutines).
//!
//! ```text
//! cargo run --example word_count -- FILE...
//! cargo run --example word_count            # makes three temporary files
//! ```
//!
//! Each goroutine reads its file (a blocking call, so through `goro::unblock`), counts
//! locally, then merges into the shared map under the lock: one short critical section
//! per file rather than one per word.
use goro::sync::{Mutex, WaitGroup};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

fn main() {
    let mut files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let made_temp = files.is_empty();
    if made_temp {
        let texts = [
            "Do not communicate by sharing memory; instead, share memory by communicating.",
            "Concurrency is not parallelism. Channels orchestrate; mutexes serialize.",
            "Don't panic. Errors are values. Clear is better than clever. A little copying is better than a little dependency.",
        ];
        let dir = std::env::temp_dir();
        let pid = std::process::id();
        for (i, t) in texts.iter().enumerate() {
            let p = dir.join(format!("goro-wc-{pid}-{i}.txt"));
            std::fs::write(&p, t).expect("write temp file");
            files.push(p);
        }
        println!(
            "no files given: counting {} temporary files of Go proverbs",
            files.len()
        );
    }

    let counts = goro::run({
        let files = files.clone();
        async move {
            let counts = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
            let wg = WaitGroup::new();
            let handles: Vec<_> = files
                .into_iter()
                .map(|f| {
                    let counts = counts.clone();
                    wg.go(async move {
                        let text = match goro::unblock(move || std::fs::read_to_string(&f)).await {
                            Ok(t) => t,
                            Err(e) => return eprintln!("read: {e}"),
                        };
                        let mut local = HashMap::new();
                        for w in text
                            .split(|c: char| !c.is_alphanumeric() && c != '\'')
                            .filter(|w| !w.is_empty())
                        {
                            *local.entry(w.to_lowercase()).or_insert(0) += 1;
                        }
                        let mut all = counts.lock().await;
                        for (w, n) in local {
                            *all.entry(w).or_insert(0) += n;
                        }
                    })
                })
                .collect();
            wg.wait().await;
            for h in handles {
                h.await.expect("a counter panicked");
            }
            std::mem::take(&mut *counts.lock().await)
        }
    });

    if made_temp {
        for p in &files {
            let _ = std::fs::remove_file(p);
        }
    }
    let mut top: Vec<_> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    println!("{} distinct words; the most frequent:", top.len());
    for (w, n) in top.iter().take(8) {
        println!("{n:>4} {w}");
    }
}
