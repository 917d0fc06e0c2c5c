//! The headline workloads of `shared/WORKLOADS.md`, for goro, tokio and smol
//! (async-executor) side by side, plus Go's figures from `shared/anchors/go/run.sh`.
//!
//! ```text
//! cargo bench --bench workloads -- [--scale F] [--only W1,W3] [--no-go]
//! ```
//!
//! stdout has one `<ID> <value> <unit>` line per workload for goro (the WORKLOADS
//! format); stderr has the comparison table: every runtime's figure and goro's ratio
//! to each (ratio < 1: goro is faster). All three Rust runtimes use the system
//! allocator and `workers()` threads (GOMAXPROCS, else all cores).

#[path = "workloads/chan.rs"]
mod chan;
#[path = "workloads/common.rs"]
mod common;
#[path = "workloads/net.rs"]
mod net;
#[path = "workloads/spawn.rs"]
mod spawn;
#[path = "workloads/sync.rs"]
mod sync;
#[path = "workloads/time.rs"]
mod time;

use std::collections::BTreeMap;
use std::process::Command;

fn main() {
    let mut scale = 1.0f64;
    let mut only: Option<Vec<String>> = None;
    let mut go = true;
    let mut child: Option<(String, String)> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--scale" => scale = args.next().and_then(|v| v.parse().ok()).expect("--scale F"),
            "--only" => {
                only = Some(
                    args.next()
                        .expect("--only W1,W2")
                        .split(',')
                        .map(|s| s.trim().to_uppercase())
                        .collect(),
                )
            }
            "--no-go" => go = false,
            "--child" => {
                let id = args.next().expect("--child ID RUNTIME");
                child = Some((id, args.next().expect("--child ID RUNTIME")));
            }
            "--bench" => {}
            other => {
                eprintln!("workloads: unknown argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    let mut all = Vec::new();
    all.extend(spawn::workloads());
    all.extend(chan::workloads());
    all.extend(sync::workloads());
    all.extend(time::workloads());
    all.extend(net::workloads());
    // W7 first, as Go's anchor runs it (and it runs in fresh processes anyway).
    all.sort_by_key(|w| match w.id {
        "W7" => 0,
        id => id[1..].parse::<u32>().unwrap_or(0),
    });
    if let Some((id, rt)) = child {
        let w = all
            .iter()
            .find(|w| w.id == id)
            .expect("--child: no such workload");
        let f = match rt.as_str() {
            "goro" => w.goro,
            "tokio" => w.tokio,
            "smol" => w.smol,
            _ => panic!("--child: runtime is goro, tokio or smol"),
        };
        println!("{}", f(scale));
        return;
    }
    let selected: Vec<_> = all
        .into_iter()
        .filter(|w| only.as_ref().is_none_or(|o| o.iter().any(|x| x == w.id)))
        .collect();
    let ids: Vec<&str> = selected.iter().map(|w| w.id).collect();

    let go_figures = if go {
        go_anchor(scale, &ids)
    } else {
        BTreeMap::new()
    };
    eprintln!(
        "workers={} scale={scale}\n{:<4} {:>12} {:>12} {:>12} {:>12}  {:>9} {:>9} {:>9}  unit",
        common::workers(),
        "id",
        "goro",
        "tokio",
        "smol",
        "go",
        "vs tokio",
        "vs smol",
        "vs go"
    );
    for w in &selected {
        let (g, t, s) = if ISOLATED.contains(&w.id) {
            (
                in_child(w.id, "goro", scale),
                in_child(w.id, "tokio", scale),
                in_child(w.id, "smol", scale),
            )
        } else {
            ((w.goro)(scale), (w.tokio)(scale), (w.smol)(scale))
        };
        let gf = go_figures.get(w.id).copied();
        println!("{} {:.1} {}", w.id, g, w.unit);
        let ratio = |x: f64| format!("{:.2}x", g / x);
        eprintln!(
            "{:<4} {:>12.1} {:>12.1} {:>12.1} {:>12}  {:>9} {:>9} {:>9}  {}",
            w.id,
            g,
            t,
            s,
            gf.map_or("-".into(), |v| format!("{v:.1}")),
            ratio(t),
            ratio(s),
            gf.map_or("-".into(), ratio),
            w.unit
        );
        if w.id == "W10" {
            let floor = net::kernel_floor(scale);
            eprintln!(
                "W10  {floor:>12.1}  kernel floor: the same traffic with no runtime (blocking \
                 sockets in lockstep); goro / floor = {:.2}x",
                g / floor
            );
        }
    }
}

/// Workloads measured in a fresh process per runtime: W7 reads resident memory,
/// which memory freed by an earlier workload or runtime would hide.
const ISOLATED: &[&str] = &["W7"];

/// Runs one runtime's implementation of workload `id` in a child process.
fn in_child(id: &str, rt: &str, scale: f64) -> f64 {
    let out = Command::new(std::env::current_exe().expect("current exe"))
        .args(["--child", id, rt, "--scale", &scale.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("spawn the bench in a child process");
    assert!(
        out.status.success(),
        "{id} {rt} failed in its child process"
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("child printed a figure")
}

/// Runs Go's anchors for `ids` and parses their `<ID> <value> <unit>` lines; an empty
/// map (with a note) when Go cannot be built or run here.
fn go_anchor(scale: f64, ids: &[&str]) -> BTreeMap<String, f64> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/anchors/go/run.sh");
    if !std::path::Path::new(script).exists() {
        eprintln!("note: {script} not found; no Go figures");
        return BTreeMap::new();
    }
    let out = Command::new("bash")
        .arg(script)
        .args(["--scale", &scale.to_string(), "--only", &ids.join(",")])
        .env("GOMAXPROCS", common::workers().to_string())
        .stderr(std::process::Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                Some((it.next()?.to_string(), it.next()?.parse().ok()?))
            })
            .collect(),
        Ok(o) => {
            eprintln!("note: Go anchors failed ({}); no Go figures", o.status);
            BTreeMap::new()
        }
        Err(e) => {
            eprintln!("note: cannot run Go anchors ({e}); no Go figures");
            BTreeMap::new()
        }
    }
}
