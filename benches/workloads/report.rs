//! `--report`: writes BENCHMARKS.md and its SVG charts from the harness's TSV files.
//!
//! ```text
//! workloads --report [--results benches/results] [--md BENCHMARKS.md] [--charts benches/charts]
//! ```
//!
//! `main.tsv` in the results folder is the headline section (this machine, made by
//! `benches/report.sh`); every other `*.tsv` there (another machine's run, e.g. a
//! 16-core sweep from the bundle) becomes a dated section of its own, newest first.
use super::harness::{PEERS, fmt_num, fmt_ratio, stats};
use super::svg;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const NAMES: &[(&str, &str)] = &[
    ("W1", "spawn-join"),
    ("W2", "ping-pong, unbuffered"),
    ("W3", "mpmc, 4x4, cap 1024"),
    ("W4", "select over 4 channels"),
    ("W5", "select with a 1 s timeout"),
    ("W6", "mutex, 1,000 goroutines"),
    ("W7", "parked goroutine (memory)"),
    ("W8", "1M timers (ideal 1.0)"),
    ("W9", "whispers, 100,000 goroutines"),
    ("W10", "tcp-echo, 100 connections"),
];

const FLOORS: &[(&str, &str)] = &[
    (
        "floor-poll",
        "two futures on one thread handing a value over: two wakes and two polls per round trip (no runtime can keep both sides on one worker for less)",
    ),
    (
        "floor-spin",
        "two threads on two cores bouncing a value through atomics, spinning: two cache-line transfers per round trip",
    ),
    (
        "floor-futex",
        "the same two threads, each sleeping in the kernel (futex) until woken: the cost when both sides sleep every time",
    ),
    (
        "floor-ring",
        "one producer and one consumer thread on a lock-free ring of cache-line slots: one cache-line transfer per message",
    ),
    (
        "floor-kernel",
        "the same TCP traffic over blocking sockets with no runtime (client write, server read, server write, client read)",
    ),
];

fn name(id: &str) -> &'static str {
    NAMES.iter().find(|(i, _)| *i == id).map_or("", |(_, n)| n)
}

/// One results file: its header and every figure.
struct Run {
    file: PathBuf,
    header: BTreeMap<String, String>,
    workers: Vec<usize>,
    ids: Vec<String>,
    units: BTreeMap<String, String>,
    /// (workers, id, runtime) -> figures (`None`: that repetition failed).
    figs: BTreeMap<(usize, String, String), Vec<Option<f64>>>,
}

impl Run {
    fn read(file: &Path) -> Result<Run, String> {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut run = Run {
            file: file.to_path_buf(),
            header: BTreeMap::new(),
            workers: vec![],
            ids: vec![],
            units: BTreeMap::new(),
            figs: BTreeMap::new(),
        };
        for line in text.lines() {
            if let Some(h) = line.strip_prefix("# ") {
                if let Some((k, v)) = h.split_once(": ") {
                    run.header.insert(k.to_string(), v.to_string());
                }
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 6 || f[0] == "workers" {
                continue;
            }
            let w: usize = f[0]
                .parse()
                .map_err(|_| format!("{}: bad row {line:?}", file.display()))?;
            if !run.workers.contains(&w) {
                run.workers.push(w);
            }
            if !run.ids.iter().any(|i| i == f[1]) {
                run.ids.push(f[1].to_string());
            }
            run.units.insert(f[1].to_string(), f[5].to_string());
            run.figs
                .entry((w, f[1].to_string(), f[2].to_string()))
                .or_default()
                .push(f[4].parse().ok());
        }
        run.workers.sort();
        run.ids.sort_by_key(|i| i[1..].parse::<u32>().unwrap_or(0));
        Ok(run)
    }

    fn get(&self, w: usize, id: &str, rt: &str) -> Option<(f64, f64, f64)> {
        self.figs
            .get(&(w, id.to_string(), rt.to_string()))
            .and_then(|v| stats(v))
    }

    fn h(&self, k: &str) -> &str {
        self.header.get(k).map_or("", String::as_str)
    }

    /// The worker count of the ratio chart: 2 when measured, else the first.
    fn ratio_workers(&self) -> usize {
        if self.workers.contains(&2) {
            2
        } else {
            self.workers[0]
        }
    }
}

fn arg(args: &[String], key: &str, default: &str) -> PathBuf {
    args.iter()
        .position(|a| a == key)
        .and_then(|i| args.get(i + 1))
        .map_or(default.into(), PathBuf::from)
}

pub fn main(args: &[String]) {
    let results = arg(args, "--results", "benches/results");
    let md = arg(args, "--md", "BENCHMARKS.md");
    let charts = arg(args, "--charts", "benches/charts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&results)
        .unwrap_or_else(|e| panic!("--report: {}: {e}", results.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    let mut runs: Vec<Run> = files
        .iter()
        .map(|f| Run::read(f).unwrap_or_else(|e| panic!("--report: {e}")))
        .filter(|r| !r.workers.is_empty())
        .collect();
    let main_pos = runs
        .iter()
        .position(|r| r.file.file_stem().is_some_and(|s| s == "main"));
    let Some(main_pos) = main_pos else {
        panic!(
            "--report: no main.tsv in {} (benches/report.sh writes it)",
            results.display()
        );
    };
    let main_run = runs.remove(main_pos);
    runs.sort_by(|a, b| b.h("date").cmp(a.h("date")));
    std::fs::create_dir_all(&charts).expect("create the charts folder");
    // Remove charts of earlier runs; every chart is written anew below.
    for e in std::fs::read_dir(&charts).into_iter().flatten().flatten() {
        if e.path().extension().is_some_and(|x| x == "svg") {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let mut out = String::new();
    out.push_str(INTRO);
    section(&mut out, &main_run, "main", &charts, true);
    if !runs.is_empty() {
        out.push_str("\n## Other machines\n\nEach from its own results file, as measured there.\n");
        for r in &runs {
            let stem = r.file.file_stem().unwrap().to_string_lossy().to_string();
            section(&mut out, r, &stem, &charts, false);
        }
    }
    out.push_str(&floors_text());
    std::fs::write(&md, out).expect("write BENCHMARKS.md");
    eprintln!(
        "wrote {} and the charts in {}",
        md.display(),
        charts.display()
    );
}

const INTRO: &str = "# Benchmarks

<!-- Generated by `benches/report.sh` (`cargo bench --bench workloads -- --report`) from
     benches/results/*.tsv: edit benches/workloads/report.rs, not this file. -->

goro against tokio, smol (async-executor) and Go on the ten workloads of
[benches/WORKLOADS.md](benches/WORKLOADS.md): spawning, channels, select, mutex, parked
goroutines, timers and TCP. Smaller is better everywhere; a ratio goro/peer below 1
means goro is faster.

## Method

- **One command.** `benches/report.sh` builds the bench, runs the harness
  (`cargo bench --bench workloads -- --tsv benches/results/main.tsv ...`) and writes
  this page and its charts: `benches/report.sh` (scale 1, 3 repetitions, 1 and 2
  workers; `SCALE`, `REPS`, `WORKERS` change them) takes about 5 minutes per worker
  count on a quiet 2-core machine (estimated from the figures; W10 is half of it),
  plus the build, and several times that on a busy one; `benches/report.sh --render`
  only re-renders. The harness and the rule it follows are in
  [benches/workloads.rs](benches/workloads.rs); Go's side is
  [benches/go](benches/go) (standard library only), run when a Go >= 1.23 is found.
- **Fair by construction.** Each figure is taken in a fresh process; every runtime
  has the same number of workers (`GOMAXPROCS`: goro's workers, tokio's worker
  threads, smol's executor threads, Go's Ps); every runtime's timed loop runs on one
  of its own workers (tokio: `tokio::spawn` inside `block_on`, never on
  `block_on`'s thread); same message counts and checks; one build profile and one
  allocator for the three Rust runtimes (one binary).
- **Interleaved repetitions.** For each workload, repetition r runs goro, tokio,
  smol, Go and the floors one after the other before repetition r + 1; a cell is the
  median of the repetitions with (min-max).
- **Floors.** Beside W2, W3 and W10, lines with no runtime at all show what the
  machine itself costs for that traffic (see [Floors](#floors)).
- **Other machines.** `benches/bundle.sh` builds the bench and Go's binary into
  `target/bench-bundle/`, whose `sweep.sh` runs on an x86-64 Linux machine with
  neither cargo nor Go; its TSV dropped into `benches/results/` becomes a section of
  its own below.
";

fn section(out: &mut String, run: &Run, prefix: &str, charts: &Path, main: bool) {
    let title = match (main, run.h("label")) {
        (true, "") => "Results".to_string(),
        (true, l) => format!("Results: {l}"),
        (false, "") => format!(
            "{} ({})",
            run.file.file_name().unwrap().to_string_lossy(),
            run.h("date")
        ),
        (false, l) => format!("{l} ({})", run.h("date")),
    };
    let hl = if main { "##" } else { "###" };
    let _ = writeln!(out, "\n{hl} {title}\n");
    let file = run.file.file_name().unwrap().to_string_lossy();
    let _ = writeln!(
        out,
        "- date: {}; from `benches/results/{file}`",
        run.h("date")
    );
    let _ = writeln!(out, "- machine: {}", run.h("machine"));
    let _ = writeln!(out, "- rust: {}", run.h("rust"));
    let _ = writeln!(out, "- go: {}", run.h("go"));
    let _ = writeln!(
        out,
        "- scale {}, {} repetition(s), workers {}",
        run.h("scale"),
        run.h("reps"),
        run.h("workers")
    );
    if run.h("scale") != "1" {
        let _ = writeln!(
            out,
            "- **preliminary**: scale {} (sizes shrunk), figures are not comparable with full runs",
            run.h("scale")
        );
    }
    let rw = run.ratio_workers();
    let rel = |f: &str| format!("{}/{f}", charts.display());
    let ratio_svg = format!("{prefix}-ratios-w{rw}.svg");
    write_chart(charts, &ratio_svg, &ratio_chart(run, rw));
    let _ = writeln!(
        out,
        "\n![goro's ratio to each peer at {rw} workers]({})\n",
        rel(&ratio_svg)
    );
    for &w in &run.workers {
        table(out, run, w, hl);
    }
    if run.workers.len() > 1 {
        let _ = writeln!(out, "\n{hl}# Time against workers\n");
        for id in &run.ids {
            let f = format!("{prefix}-{id}.svg");
            let series: Vec<(&str, Vec<Option<f64>>)> = PEERS
                .iter()
                .map(|rt| {
                    (
                        *rt,
                        run.workers
                            .iter()
                            .map(|&w| run.get(w, id, rt).map(|s| s.0))
                            .collect(),
                    )
                })
                .filter(|(_, v): &(&str, Vec<Option<f64>>)| v.iter().any(Option::is_some))
                .collect();
            let t = format!("{id} {}", name(id));
            write_chart(
                charts,
                &f,
                &svg::line_chart(&t, &run.units[id], &run.workers, &series),
            );
            let _ = writeln!(out, "![{t}]({})", rel(&f));
        }
    }
}

fn write_chart(dir: &Path, file: &str, svg: &str) {
    std::fs::write(dir.join(file), svg).expect("write a chart");
}

fn ratio_chart(run: &Run, w: usize) -> String {
    let groups: Vec<svg::Group> = run
        .ids
        .iter()
        .map(|id| {
            let g = run.get(w, id, "goro").map(|s| s.0);
            let bars = ["tokio", "smol", "go"]
                .iter()
                .map(|p| (*p, g.zip(run.get(w, id, p)).map(|(g, p)| g / p.0)))
                .collect();
            (id.clone(), bars)
        })
        .collect();
    svg::ratio_chart(
        &format!("goro / peer at {w} workers (median of each)"),
        &groups,
    )
}

fn table(out: &mut String, run: &Run, w: usize, hl: &str) {
    let _ = writeln!(out, "\n{hl}# {w} worker{}\n", if w == 1 { "" } else { "s" });
    out.push_str(
        "| workload | unit | goro | tokio | smol | Go | goro/tokio | goro/smol | goro/Go |\n",
    );
    out.push_str("|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
    let mut floors = String::new();
    for id in &run.ids {
        let cell = |rt: &str| match run.get(w, id, rt) {
            Some((m, lo, hi)) if lo == hi => fmt_num(m),
            Some((m, lo, hi)) => format!("{} ({}-{})", fmt_num(m), fmt_num(lo), fmt_num(hi)),
            None => "-".into(),
        };
        let g = run.get(w, id, "goro").map(|s| s.0);
        let ratio = |rt: &str| match (g, run.get(w, id, rt)) {
            (Some(g), Some(p)) => format!("{:.2}", g / p.0),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "| {id} {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            name(id),
            run.units[id],
            cell("goro"),
            cell("tokio"),
            cell("smol"),
            cell("go"),
            ratio("tokio"),
            ratio("smol"),
            ratio("go")
        );
        let mut extras: Vec<String> = run
            .figs
            .keys()
            .filter(|(ww, i, rt)| *ww == w && i == id && !PEERS.contains(&rt.as_str()))
            .map(|k| k.2.clone())
            .collect();
        extras.sort_by_key(|rt| {
            FLOORS
                .iter()
                .position(|(n, _)| n == rt)
                .map_or(0, |i| i + 1)
        });
        for rt in extras {
            let f = run.get(w, id, &rt).map(|s| s.0);
            let vs = |p: &str| match (run.get(w, id, p), f) {
                (Some(p), Some(f)) => format!("{}x", fmt_ratio(p.0 / f)),
                _ => "-".into(),
            };
            let _ = writeln!(
                floors,
                "| {id} | {rt} | {} | {} | {} | {} | {} |",
                cell(&rt),
                vs("goro"),
                vs("tokio"),
                vs("smol"),
                vs("go")
            );
        }
    }
    if !floors.is_empty() {
        out.push_str("\nFloors (and goro's channels on smol's executor), and each runtime's distance from them (runtime / line):\n\n");
        out.push_str("| workload | line | figure | goro | tokio | smol | Go |\n|---|---|--:|--:|--:|--:|--:|\n");
        out.push_str(&floors);
    }
}

fn floors_text() -> String {
    let mut s = String::from(
        "\n## Floors\n\nA floor is the same traffic with no runtime: it knows there are exactly two \
         parties and never parks a thread it does not have to, so no runtime is expected to reach \
         it; the distance to it is what scheduling, waking and channel bookkeeping cost. \
         The two-thread floors need two idle cores: on a busy machine they measure the \
         operating system's scheduler instead (their min-max shows it) and can be slower \
         than a runtime that keeps both goroutines on one worker. They stop after 2 s or \
         their count of messages, whichever comes first.\n\n\
         `goro-chan@smol` is goro's channels driven by smol's executor: the channels' own cost \
         apart from goro's scheduler.\n\n| line | what it does |\n|---|---|\n",
    );
    for (n, d) in FLOORS {
        let _ = writeln!(s, "| {n} | {d} |");
    }
    s
}
