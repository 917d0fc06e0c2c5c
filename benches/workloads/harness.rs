//! The harness around the workloads: options, one child process per figure,
//! interleaved repetitions, Go's binary, the header, the table and the TSV file.
//! The rule it implements is at the top of `benches/workloads.rs`.
use super::common::{Bench, Workload};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Rust runtimes and Go, in the order each repetition runs them.
pub const PEERS: &[&str] = &["goro", "tokio", "smol", "go"];

pub struct Options {
    pub scale: f64,
    pub reps: usize,
    pub workers: Vec<usize>,
    pub only: Option<Vec<String>>,
    /// Runtimes to run: goro, tokio, smol, go, floor (every floor-* line),
    /// goro-chan@smol.
    pub runtimes: Vec<String>,
    pub go_bin: Option<PathBuf>,
    pub tsv: Option<PathBuf>,
    pub timeout: Duration,
    pub child: Option<(String, String)>,
}

fn usage(msg: &str) -> ! {
    eprintln!("workloads: {msg} (see the top of benches/workloads.rs for the options)");
    std::process::exit(2);
}

impl Options {
    pub fn parse(args: &[String]) -> Options {
        let mut o = Options {
            scale: 1.0,
            reps: 3,
            workers: vec![super::common::workers()],
            only: None,
            runtimes: ["goro", "tokio", "smol", "go", "floor"]
                .map(String::from)
                .to_vec(),
            go_bin: None,
            tsv: None,
            timeout: Duration::from_secs(300),
            child: None,
        };
        let mut it = args.iter();
        let list = |v: Option<&String>, what: &str| -> Vec<String> {
            v.unwrap_or_else(|| usage(what))
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        while let Some(a) = it.next() {
            let mut num = |what: &str| -> f64 {
                it.next()
                    .and_then(|v| v.parse().ok())
                    .filter(|v: &f64| *v > 0.0 && v.is_finite())
                    .unwrap_or_else(|| usage(what))
            };
            match a.as_str() {
                "--scale" => o.scale = num("--scale F (F > 0)"),
                "--reps" => o.reps = num("--reps N (N >= 1)") as usize,
                "--timeout" => o.timeout = Duration::from_secs_f64(num("--timeout SECS")),
                "--workers" => {
                    o.workers = list(it.next(), "--workers 1,2,4")
                        .iter()
                        .map(|w| w.parse().ok().filter(|&w| w > 0))
                        .collect::<Option<_>>()
                        .unwrap_or_else(|| usage("--workers takes positive integers"))
                }
                "--only" => {
                    o.only = Some(
                        list(it.next(), "--only W1,W2")
                            .into_iter()
                            .map(|s| s.to_uppercase())
                            .collect(),
                    )
                }
                "--runtimes" => o.runtimes = list(it.next(), "--runtimes goro,tokio"),
                "--no-go" => o.runtimes.retain(|r| r != "go"),
                "--go-bin" => {
                    o.go_bin = Some(it.next().unwrap_or_else(|| usage("--go-bin PATH")).into())
                }
                "--tsv" => o.tsv = Some(it.next().unwrap_or_else(|| usage("--tsv FILE")).into()),
                "--child" => {
                    let id = it.next().unwrap_or_else(|| usage("--child ID RUNTIME"));
                    let rt = it.next().unwrap_or_else(|| usage("--child ID RUNTIME"));
                    o.child = Some((id.clone(), rt.clone()));
                }
                "--bench" => {}
                other => usage(&format!("unknown argument {other:?}")),
            }
        }
        o.reps = o.reps.max(1);
        o
    }

    fn wants(&self, rt: &str) -> bool {
        let key = if rt.starts_with("floor-") {
            "floor"
        } else {
            rt
        };
        self.runtimes.iter().any(|r| r == key || r == rt)
    }
}

/// The Rust implementation called `rt` of workload `w`.
pub fn bench_of(w: &Workload, rt: &str) -> Option<Bench> {
    match rt {
        "goro" => Some(w.goro),
        "tokio" => Some(w.tokio),
        "smol" => Some(w.smol),
        _ => w.extra.iter().find(|(n, _)| *n == rt).map(|(_, f)| *f),
    }
}

/// One figure: `None` when the run failed (its reason is printed).
type Figure = Option<f64>;

/// Runs `cmd` with a deadline; the last line of its stdout, parsed.
fn figure_of(mut cmd: Command, what: &str, timeout: Duration, go_id: Option<&str>) -> Figure {
    let mut child = match cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("  {what}: cannot start: {e}");
            return None;
        }
    };
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let (stdout, stderr) = (
        out_t.join().unwrap_or_default(),
        err_t.join().unwrap_or_default(),
    );
    let tail = || stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
    match status {
        None => {
            eprintln!("  {what}: killed after {timeout:?}");
            None
        }
        Some(s) if !s.success() => {
            eprintln!("  {what}: failed ({s}): {}", tail());
            None
        }
        Some(_) => {
            let line = match go_id {
                Some(id) => stdout
                    .lines()
                    .find(|l| l.split_whitespace().next() == Some(id)),
                None => stdout.lines().last(),
            };
            let v = line.and_then(|l| l.split_whitespace().nth(usize::from(go_id.is_some())));
            let v = v.and_then(|v| v.parse::<f64>().ok());
            if v.is_none() {
                eprintln!("  {what}: no figure in its output {stdout:?}");
            }
            v
        }
    }
}

/// The table rows, in order: (workload, runtime) -> one figure per repetition.
type Results = BTreeMap<(usize, String, String), Vec<Figure>>;

pub fn run(o: &Options, all: &[Workload]) {
    let selected: Vec<&Workload> = all
        .iter()
        .filter(|w| {
            o.only
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|x| x == w.id))
        })
        .collect();
    if selected.is_empty() {
        usage("--only selects no workload");
    }
    let go = if o.wants("go") { go_binary(o) } else { None };
    let header = header_lines(o, go.as_ref().map(|(_, v)| v.as_str()));
    for l in &header {
        println!("# {l}");
    }
    let exe = std::env::current_exe().expect("current exe");
    let mut results: Results = BTreeMap::new();
    let mut failed = 0;
    let started = Instant::now();
    for (wi, &workers) in o.workers.iter().enumerate() {
        for w in &selected {
            let mut lines: Vec<String> = PEERS.iter().map(|s| s.to_string()).collect();
            lines.extend(w.extra.iter().map(|(n, _)| n.to_string()));
            lines.retain(|rt| o.wants(rt) && (rt != "go" || go.is_some()));
            for rep in 0..o.reps {
                eprint!(
                    "[{:>5.0}s] workers={workers} {} rep {}/{}:",
                    started.elapsed().as_secs_f64(),
                    w.id,
                    rep + 1,
                    o.reps
                );
                for rt in &lines {
                    let what = format!("{} {rt} (workers={workers})", w.id);
                    let fig = if rt == "go" {
                        let mut cmd = Command::new(&go.as_ref().unwrap().0);
                        cmd.args(["--only", w.id, "--scale", &o.scale.to_string()]);
                        cmd.env("GOMAXPROCS", workers.to_string());
                        figure_of(cmd, &what, o.timeout, Some(w.id))
                    } else {
                        let mut cmd = Command::new(&exe);
                        cmd.args(["--child", w.id, rt, "--scale", &o.scale.to_string()]);
                        cmd.env("GOMAXPROCS", workers.to_string());
                        figure_of(cmd, &what, o.timeout, None)
                    };
                    eprint!(" {rt}={}", fig.map_or("FAIL".into(), |v| format!("{v:.1}")));
                    failed += usize::from(fig.is_none());
                    results
                        .entry((wi, w.id.to_string(), rt.clone()))
                        .or_default()
                        .push(fig);
                }
                eprintln!();
            }
            // Rewritten after every workload: an interrupted run keeps what it measured.
            if let Some(path) = &o.tsv {
                write_tsv(path, &header, o, &selected, &results).expect("write the --tsv file");
            }
        }
        print_table(o, workers, wi, &selected, &results);
    }
    eprintln!("done in {:.0} s", started.elapsed().as_secs_f64());
    if let Some(path) = &o.tsv {
        eprintln!("wrote {}", path.display());
    }
    if failed > 0 {
        eprintln!("{failed} measurement(s) failed; see above");
        std::process::exit(1);
    }
}

/// (median, min, max) of the figures that did not fail.
pub fn stats(v: &[Figure]) -> Option<(f64, f64, f64)> {
    let mut ok: Vec<f64> = v.iter().flatten().copied().collect();
    if ok.is_empty() {
        return None;
    }
    ok.sort_by(f64::total_cmp);
    let n = ok.len();
    let med = if n % 2 == 1 {
        ok[n / 2]
    } else {
        (ok[n / 2 - 1] + ok[n / 2]) / 2.0
    };
    Some((med, ok[0], ok[n - 1]))
}

/// A ratio: two decimals below 10, one above.
pub fn fmt_ratio(r: f64) -> String {
    if r >= 10.0 {
        format!("{r:.1}")
    } else {
        format!("{r:.2}")
    }
}

/// A figure in about four significant digits.
pub fn fmt_num(v: f64) -> String {
    match v.abs() {
        0.0 => "0".into(),
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 10.0 => format!("{v:.1}"),
        _ => format!("{v:.2}"),
    }
}

fn print_table(o: &Options, workers: usize, wi: usize, sel: &[&Workload], res: &Results) {
    println!(
        "\nworkers = {workers}, scale = {}, {} rep(s): median (min-max); ratio = goro / peer, < 1: goro faster",
        o.scale, o.reps
    );
    println!(
        "{:<4} {:<15} {:>20} {:>20} {:>20} {:>20} {:>8} {:>8} {:>8}",
        "id", "unit", "goro", "tokio", "smol", "go", "/tokio", "/smol", "/go"
    );
    for w in sel {
        let get = |rt: &str| {
            res.get(&(wi, w.id.to_string(), rt.to_string()))
                .and_then(|v| stats(v))
        };
        let cell = |rt: &str| match get(rt) {
            Some((m, lo, hi)) => format!("{} ({}-{})", fmt_num(m), fmt_num(lo), fmt_num(hi)),
            None => "-".into(),
        };
        let goro = get("goro").map(|s| s.0);
        let ratio = |rt: &str| match (goro, get(rt)) {
            (Some(g), Some((p, _, _))) => format!("{:.2}", g / p),
            _ => "-".into(),
        };
        println!(
            "{:<4} {:<15} {:>20} {:>20} {:>20} {:>20} {:>8} {:>8} {:>8}",
            w.id,
            w.unit,
            cell("goro"),
            cell("tokio"),
            cell("smol"),
            cell("go"),
            ratio("tokio"),
            ratio("smol"),
            ratio("go")
        );
        for (rt, _) in &w.extra {
            if get(rt).is_some() {
                let vs = |peer: &str| match (get(peer), get(rt)) {
                    (Some(p), Some(f)) => format!("{peer} {}x", fmt_ratio(p.0 / f.0)),
                    _ => String::new(),
                };
                println!(
                    "     {:<15} {:>20}  (runtime / this line: {} {} {} {})",
                    rt,
                    cell(rt),
                    vs("goro"),
                    vs("tokio"),
                    vs("smol"),
                    vs("go")
                );
            }
        }
    }
}

/// Finds or takes Go's binary: `--go-bin`, else builds `benches/go` with the newest
/// Go >= 1.23 on PATH or in /usr/lib/go-*/bin. `None`, with one line saying why,
/// when there is none.
fn go_binary(o: &Options) -> Option<(PathBuf, String)> {
    let skip = |why: &str| {
        eprintln!("Go skipped: {why}");
        println!("# go: skipped ({why})");
        None
    };
    if let Some(bin) = &o.go_bin {
        if !bin.exists() {
            return skip(&format!("--go-bin {} does not exist", bin.display()));
        }
        let v = std::fs::read_to_string(bin.with_extension("version")).unwrap_or_default();
        return Some((bin.clone(), v.trim().to_string()));
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/go");
    if !src.join("main.go").exists() {
        return skip(&format!("{} not found (pass --go-bin)", src.display()));
    }
    let mut cands: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("go")).collect())
        .unwrap_or_default();
    let mut libs: Vec<PathBuf> = std::fs::read_dir("/usr/lib")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    libs.retain(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("go-"))
    });
    libs.sort_by_key(|p| std::cmp::Reverse(go_minor(&p.to_string_lossy())));
    cands.extend(libs.into_iter().map(|p| p.join("bin/go")));
    let mut seen = Vec::new();
    let go = cands.into_iter().filter(|c| c.is_file()).find_map(|c| {
        let out = Command::new(&c).args(["env", "GOVERSION"]).output().ok()?;
        let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
        seen.push(format!("{} ({v})", c.display()));
        (go_minor(&v) >= 23).then_some((c, v))
    });
    let Some((go, version)) = go else {
        return skip(&match seen.len() {
            0 => "no `go` on PATH or in /usr/lib/go-*/bin".to_string(),
            _ => format!(
                "needs Go >= 1.23 (benches/go/go.mod), found {}",
                seen.join(", ")
            ),
        });
    };
    let dir = std::env::temp_dir().join(format!("goro-bench-go-{}", std::process::id()));
    let bin = dir.join("goro-workloads-go");
    let out = Command::new(&go)
        .args(["build", "-trimpath", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .envs(go_build_env())
        .output();
    match out {
        Ok(o) if o.status.success() => Some((bin, version)),
        Ok(o) => skip(&format!(
            "go build failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => skip(&format!("cannot run {}: {e}", go.display())),
    }
}

/// Go's build environment: no cgo, caches in /tmp, no network, no toolchain switch.
pub fn go_build_env() -> Vec<(&'static str, String)> {
    let tmp = std::env::temp_dir();
    vec![
        ("CGO_ENABLED", "0".into()),
        (
            "GOCACHE",
            tmp.join("goro-bench-gocache").display().to_string(),
        ),
        (
            "GOPATH",
            tmp.join("goro-bench-gopath").display().to_string(),
        ),
        ("GOFLAGS", "-mod=mod".into()),
        ("GOPROXY", "off".into()),
        ("GOTOOLCHAIN", "local".into()),
        ("GOTELEMETRY", "off".into()),
    ]
}

/// The minor version in "go1.23.5" or "/usr/lib/go-1.23"; 0 when there is none.
fn go_minor(s: &str) -> u32 {
    s.rsplit("1.")
        .next()
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

/// The header: date, machine, build profile, Go, options.
fn header_lines(o: &Options, go: Option<&str>) -> Vec<String> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU".into(), |s| s.trim().to_string());
    let mem_gib = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / (1024.0 * 1024.0));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    vec![
        format!("date: {}", utc_now()),
        format!(
            "machine: {cpu}, {cores} cores available, {mem_gib:.0} GiB, Linux {}",
            read("/proc/sys/kernel/osrelease").trim()
        ),
        format!(
            "label: {}",
            std::env::var("BENCH_LABEL").unwrap_or_default()
        ),
        format!("rust: {}", build_profile()),
        format!("go: {}", go.unwrap_or("not run")),
        format!("scale: {}", o.scale),
        format!("reps: {}", o.reps),
        format!(
            "workers: {}",
            o.workers
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    ]
}

/// The bench profile's settings, read from the Cargo.toml this binary was built
/// from, and whether debug assertions are on (they must not be).
fn build_profile() -> String {
    const TOML: &str = include_str!("../../Cargo.toml");
    let mut section = "";
    let mut keys: BTreeMap<&str, &str> = BTreeMap::new();
    for line in TOML.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
        } else if section == "[profile.bench]" {
            if let Some((k, v)) = line.split_once('=') {
                keys.insert(k.trim(), v.trim());
            }
        }
    }
    let get = |k: &str, default: &'static str| keys.get(k).copied().unwrap_or(default);
    format!(
        "profile bench: opt-level {}, lto {}, codegen-units {}, debug-assertions {}; one binary for goro, tokio and smol, system allocator",
        get("opt-level", "3"),
        get("lto", "false"),
        get("codegen-units", "16"),
        if cfg!(debug_assertions) {
            "ON (not an optimized build!)"
        } else {
            "off"
        }
    )
}

/// Now in UTC, "YYYY-MM-DD HH:MM UTC" (civil-from-days, no time crate).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The TSV file: the header as `# key: value` lines, then one row per figure.
fn write_tsv(
    path: &Path,
    header: &[String],
    o: &Options,
    sel: &[&Workload],
    res: &Results,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for l in header {
        writeln!(f, "# {l}")?;
    }
    writeln!(f, "workers\tid\truntime\trep\tvalue\tunit")?;
    for (wi, workers) in o.workers.iter().enumerate() {
        for w in sel {
            for ((i, id, rt), figs) in res.range((wi, w.id.to_string(), String::new())..) {
                if *i != wi || id != w.id {
                    break;
                }
                for (rep, fig) in figs.iter().enumerate() {
                    let v = fig.map_or("fail".into(), |v| format!("{v:.3}"));
                    writeln!(f, "{workers}\t{id}\t{rt}\t{rep}\t{v}\t{}", w.unit)?;
                }
            }
        }
    }
    f.flush()
}
