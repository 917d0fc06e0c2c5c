//! The workloads of `benches/WORKLOADS.md` for goro, tokio, smol (async-executor) and
//! Go (`benches/go/`), side by side, with physical-limit floors beside W2, W3 and W10.
//!
//! ```text
//! cargo bench --bench workloads -- [--scale F] [--reps N] [--workers 1,2,4]
//!     [--only W1,W3] [--runtimes goro,tokio,smol,go,floor,goro-chan@smol]
//!     [--no-go] [--go-bin PATH] [--tsv FILE] [--timeout SECS]
//! cargo bench --bench workloads -- --report [--results DIR] [--md FILE] [--charts DIR]
//! ```
//!
//! # The rule: every runtime is measured the same way
//!
//! 1. **Fresh process.** Every figure is taken in a process of its own, started for
//!    that one measurement (this binary with `--child ID RUNTIME`; Go's binary with
//!    `--only ID`), so no runtime inherits another's threads, heap or page cache
//!    state, and the order of workloads cannot matter (Go never frees a goroutine's
//!    `g`; a Rust allocator keeps freed pages).
//! 2. **Same workers.** The parent sets `GOMAXPROCS=W` for the child: goro's workers,
//!    tokio's `worker_threads`, smol's executor threads (the calling thread plus
//!    W - 1) and Go's Ps are all W.
//! 3. **The timed loop runs on a worker.** goro: inside `goro::run` (main is a
//!    goroutine on worker 0); tokio: `rt.block_on(async { tokio::spawn(main).await })`
//!    (`tokio_main`), never polled by `block_on`'s own thread, which is not a worker;
//!    smol: `main` spawned on the executor, every thread in `ex.run` (`smol_main`);
//!    Go: in `main`, a goroutine.
//! 4. **Same work.** Same message counts, capacities, payloads and checks as
//!    `benches/WORKLOADS.md` says. Where a peer lacks a Go primitive, its users'
//!    usual substitute, named in the workload's file (no rendezvous channel in tokio
//!    or async-channel: capacity 1; no mpmc in tokio: a shared `Mutex<Receiver>`;
//!    no WaitGroup: an atomic count-down). Every socket sets `TCP_NODELAY`.
//! 5. **Same build.** The three Rust runtimes are in this one binary, so one profile
//!    (`[profile.bench]` in Cargo.toml, printed in the header), and one allocator
//!    (the system's). Go is built with `go build -trimpath`, `CGO_ENABLED=0`, and
//!    uses its own allocator and GC: that is part of Go's figure.
//! 6. **Interleaved.** For each worker count and workload, repetition r runs goro,
//!    tokio, smol, Go, then the floors, before repetition r + 1: a noisy period of
//!    the machine hits every runtime alike. Each figure is the median of the
//!    repetitions, with min-max.
//!
//! stdout has a table per worker count (medians, min-max, goro's ratio to each peer:
//! < 1 means goro is faster); stderr has progress. `--tsv FILE` writes every
//! repetition's figure, the input of `--report` (BENCHMARKS.md and its charts).

#[path = "workloads/chan.rs"]
mod chan;
#[path = "workloads/common.rs"]
mod common;
#[path = "workloads/floor.rs"]
mod floor;
#[path = "workloads/harness.rs"]
mod harness;
#[path = "workloads/net.rs"]
mod net;
#[path = "workloads/report.rs"]
mod report;
#[path = "workloads/spawn.rs"]
mod spawn;
#[path = "workloads/svg.rs"]
mod svg;
#[path = "workloads/sync.rs"]
mod sync;
#[path = "workloads/time.rs"]
mod time;

use common::Workload;

fn all_workloads() -> Vec<Workload> {
    let mut all = Vec::new();
    all.extend(spawn::workloads());
    all.extend(chan::workloads());
    all.extend(sync::workloads());
    all.extend(time::workloads());
    all.extend(net::workloads());
    all.sort_by_key(|w| w.id[1..].parse::<u32>().unwrap_or(0));
    all
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--report") {
        report::main(&args);
        return;
    }
    let opts = harness::Options::parse(&args);
    let all = all_workloads();
    if let Some((id, rt)) = &opts.child {
        let w = all
            .iter()
            .find(|w| w.id == id)
            .expect("--child: no such workload");
        let f = harness::bench_of(w, rt).expect("--child: no such runtime for this workload");
        println!("{}", f(opts.scale));
        return;
    }
    harness::run(&opts, &all);
}
