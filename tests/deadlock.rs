//! Deadlock detection: Go's "all goroutines are asleep - deadlock!", exact or silent.
//!
//! # How these tests exercise detection
//!
//! goro reports a deadlock only when it can prove that no thread outside its sight
//! exists (see `goro::runtime`'s docs): under libtest, the harness's own threads (its
//! main thread waiting for results, other tests' threads) are such threads, so inside
//! an ordinary `#[test]` detection is silent, by design. This file is therefore a
//! `harness = false` test (see `[[test]]` in Cargo.toml): its `main` re-runs this
//! binary once per scenario (`deadlock --scenario NAME`), in a child process whose
//! only threads are goro's, where detection is fully on, and checks the child's exit
//! status, stderr and stdout. Every child is killed (and the test fails) if it has
//! not exited within [`CHILD_LIMIT`]. Children run concurrently, so the scenarios
//! that keep a plain thread silent for 3 s cost about 3-4 s together.
//!
//! `cargo test --test deadlock -- WORD` runs the scenarios whose name contains WORD
//! (`--exact`: is WORD); `--list` lists them.

#[path = "deadlock/scenarios.rs"]
mod scenarios;

use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// A child that has not exited by then has hung: it is killed and the test fails.
const CHILD_LIMIT: Duration = Duration::from_secs(60);

const DEADLOCK: &str = "fatal error: all goroutines are asleep - deadlock!";

/// What a scenario's child process must do.
pub enum Expect {
    /// Exit with Go's fatal error (a panic: code 101) whose text contains these.
    Deadlock(&'static [&'static str]),
    /// Exit normally, with no deadlock report, printing these on stdout.
    Ok(&'static [&'static str]),
    /// Still be running, silent, after this long (then it is killed): a deadlock
    /// goro cannot prove, since a thread it does not own is alive.
    Silent(Duration),
}

pub struct Case {
    pub name: &'static str,
    pub expect: Expect,
    /// Extra environment of the child.
    pub env: &'static [(&'static str, &'static str)],
    /// Written to the child's stdin after this pause, then stdin is closed.
    pub stdin_after: Option<(Duration, &'static str)>,
    /// Run this built example instead of a scenario of this binary.
    pub example: Option<&'static str>,
    pub run: fn(),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--scenario") {
        let name = args.get(i + 1).expect("--scenario NAME");
        let case = scenarios::CASES
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no scenario {name}"));
        (case.run)();
        return ExitCode::SUCCESS;
    }
    // libtest-like command line: filters, and flags to ignore (with their values).
    let mut filters = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--list" => {
                for c in scenarios::CASES {
                    println!("{}: test", c.name);
                }
                return ExitCode::SUCCESS;
            }
            "--skip" | "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" => {
                it.next();
            }
            f if f.starts_with('-') => {}
            f => filters.push(f.to_owned()),
        }
    }
    let exact = args.iter().any(|a| a == "--exact");
    let cases: Vec<&'static Case> = scenarios::CASES
        .iter()
        .filter(|c| {
            filters.is_empty()
                || filters.iter().any(|f| {
                    if exact {
                        c.name == f
                    } else {
                        c.name.contains(f.as_str())
                    }
                })
        })
        .collect();
    println!("\nrunning {} tests (each in a child process)", cases.len());
    let start = Instant::now();
    let runs: Vec<_> = cases
        .iter()
        .map(|&c| (c.name, std::thread::spawn(move || check(c))))
        .collect();
    let mut failed = Vec::new();
    for (name, h) in runs {
        match h
            .join()
            .unwrap_or_else(|_| Err("the checker panicked".into()))
        {
            Ok(note) => println!("test {name} ... ok{note}"),
            Err(e) => {
                println!("test {name} ... FAILED");
                failed.push((name, e));
            }
        }
    }
    for (name, e) in &failed {
        println!("\n---- {name} ----\n{e}");
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        cases.len() - failed.len(),
        failed.len(),
        start.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The built example `name`, if `cargo test` built it from the current source
/// (plain `cargo test` builds the examples; `cargo test --test deadlock` does not).
fn example_binary(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?; // target/<profile>/deps/deadlock-<hash>
    let bin = exe.parent()?.parent()?.join("examples").join(name);
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{name}.rs"));
    let built = std::fs::metadata(&bin).ok()?.modified().ok()?;
    (built >= std::fs::metadata(src).ok()?.modified().ok()?).then_some(bin)
}

/// Runs `case` in a child process; `Ok(note)` if it behaved as expected.
fn check(case: &Case) -> Result<String, String> {
    let mut cmd = match case.example {
        Some(ex) => match example_binary(ex) {
            Some(bin) => Command::new(bin),
            None => {
                return Ok(format!(
                    " (skipped: examples/{ex} not built from this source)"
                ));
            }
        },
        None => {
            let mut c = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
            c.args(["--scenario", case.name]);
            c
        }
    };
    cmd.env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if case.stdin_after.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    for (k, v) in case.env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let read = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    if let Some((after, text)) = case.stdin_after {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            // The pause is the scenario: the reader thread stays silent meanwhile.
            std::thread::sleep(after);
            let _ = stdin.write_all(text.as_bytes());
        });
    }
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if let Expect::Silent(d) = case.expect {
            if started.elapsed() > d {
                let _ = child.kill();
                let _ = child.wait();
                let err = err.join().unwrap_or_default();
                if err.contains(DEADLOCK) {
                    return Err(format!("expected silence; stderr:\n{err}"));
                }
                return Ok(format!(" (silent for {d:?}, killed)"));
            }
        }
        if started.elapsed() > CHILD_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "no exit within {CHILD_LIMIT:?} (hang); stderr:\n{}",
                err.join().unwrap_or_default()
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = started.elapsed();
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    let show = || format!("status {status:?} after {took:?}\nstdout:\n{out}\nstderr:\n{err}");
    match case.expect {
        Expect::Deadlock(subs) => {
            if status.code() != Some(101) || !err.contains(DEADLOCK) {
                return Err(format!("expected a deadlock report; {}", show()));
            }
            if let Some(s) = subs.iter().find(|s| !err.contains(*s)) {
                return Err(format!("the report lacks {s:?}; {}", show()));
            }
        }
        Expect::Silent(_) => return Err(format!("expected to keep waiting; {}", show())),
        Expect::Ok(subs) => {
            if !status.success() || err.contains(DEADLOCK) {
                return Err(format!("expected a normal exit, no report; {}", show()));
            }
            if let Some(s) = subs.iter().find(|s| !out.contains(*s)) {
                return Err(format!("stdout lacks {s:?}; {}", show()));
            }
        }
    }
    Ok(format!(" ({:.1}s)", took.as_secs_f64()))
}
