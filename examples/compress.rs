//! Gzip files concurrently, one goroutine per file, joined with a WaitGroup (a port
//! of the Go idiom `for _, f := range files { wg.Add(1); go compress(f) }; wg.Wait()`).
//!
//! ```text
//! cargo run --example compress -- FILE...   # writes FILE.gz next to each FILE
//! cargo run --example compress              # makes two temporary files and uses them
//! ```
//!
//! Reading, compressing and writing are blocking calls, so each goroutine runs them
//! with `goro::unblock` (on the blocking pool) instead of stalling a worker thread.
use flate2::Compression;
use flate2::write::GzEncoder;
use goro::sync::WaitGroup;
use std::io::Write;
use std::path::{Path, PathBuf};

fn gzip(path: &Path) -> std::io::Result<(u64, u64, PathBuf)> {
    let data = std::fs::read(path)?;
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&data)?;
    let out = enc.finish()?;
    let mut dst = path.as_os_str().to_owned();
    dst.push(".gz");
    let dst = PathBuf::from(dst);
    std::fs::write(&dst, &out)?;
    Ok((data.len() as u64, out.len() as u64, dst))
}

fn main() {
    let mut files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let made_temp = files.is_empty();
    if made_temp {
        let dir = std::env::temp_dir();
        let pid = std::process::id();
        for (i, text) in [
            "the quick brown fox jumps over the lazy dog\n",
            "goroutines and channels\n",
        ]
        .iter()
        .enumerate()
        {
            let p = dir.join(format!("goro-compress-{pid}-{i}.txt"));
            std::fs::write(&p, text.repeat(2000)).expect("write temp file");
            files.push(p);
        }
        println!(
            "no files given: compressing {} temporary files",
            files.len()
        );
    }

    let outputs = goro::run({
        let files = files.clone();
        async move {
            let wg = WaitGroup::new();
            let handles: Vec<_> = files
                .into_iter()
                .map(|f| {
                    wg.go(async move {
                        let r = goro::unblock({
                            let f = f.clone();
                            move || gzip(&f)
                        })
                        .await;
                        match r {
                            Ok((inb, outb, dst)) => {
                                println!(
                                    "{} ({inb} bytes) -> {} ({outb} bytes)",
                                    f.display(),
                                    dst.display()
                                );
                                Some(dst)
                            }
                            Err(e) => {
                                eprintln!("{}: {e}", f.display());
                                None
                            }
                        }
                    })
                })
                .collect();
            wg.wait().await;
            let mut outs = Vec::new();
            for h in handles {
                outs.extend(h.await.expect("a compressor panicked"));
            }
            outs
        }
    });

    if made_temp {
        for p in files.iter().chain(&outputs) {
            let _ = std::fs::remove_file(p);
        }
    }
    println!("compressed {} of {} files", outputs.len(), files.len());
}
