//! The OS threads goro starts, by owner: what the deadlock detector needs to prove
//! that no thread outside goro's sight exists (see `deadlock`, rule (b)).
//!
//! Every thread goro runs code on registers its kernel thread id here when it starts
//! and removes it when it ends: a runtime's worker threads and its stand-in for
//! worker 0, the thread in `run`/`block_on` while it acts as worker 0 (all owned by
//! that runtime's id), and the process-wide helpers that belong to no runtime (the
//! blocking pool's threads, the `goro-netpoll` thread). At a candidate report, and
//! only then, [`only_goro`] lists `/proc/self/task` and compares. Nothing here runs
//! per operation: a registration is one `readlink` and a short lock at thread start.
//!
//! A thread between its creation and its registration, or between its removal and
//! its end, is listed by the kernel but not here: it counts as foreign, so those
//! windows can only keep the detector silent, never make it report.
//!
//! Thread ids are read from `/proc/thread-self` (Linux 3.17+, Android). Where that is
//! not available (other systems, no `/proc`), [`only_goro`] is always false and the
//! detector stays silent.

use std::cell::Cell;
use std::sync::Mutex;

/// The owner of goro's process-wide helper threads (blocking pool, netpoll thread):
/// they count as goro's for every runtime.
pub(crate) const PROCESS: u64 = 0;

/// `(thread id, owner)` for every live goro thread (a thread may appear twice, as a
/// pool thread that runs a `block_on`).
static THREADS: Mutex<Vec<(u32, u64)>> = Mutex::new(Vec::new());

thread_local! {
    /// This thread's kernel id: 0 not read yet, `u32::MAX` unavailable.
    static TID: Cell<u32> = const { Cell::new(0) };
}

/// This thread's kernel thread id, if the system shows it.
fn tid() -> Option<u32> {
    let t = TID.try_with(|c| {
        if c.get() == 0 {
            c.set(read_tid().unwrap_or(u32::MAX));
        }
        c.get()
    });
    t.ok().filter(|&t| t != u32::MAX && t != 0)
}

#[cfg(all(any(target_os = "linux", target_os = "android"), not(miri)))]
fn read_tid() -> Option<u32> {
    // "<pid>/task/<tid>"
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Elsewhere, and under Miri (which does not model `/proc`), thread ids are
/// unknown, so deadlock detection stays silent.
#[cfg(any(not(any(target_os = "linux", target_os = "android")), miri))]
fn read_tid() -> Option<u32> {
    None
}

fn lock() -> std::sync::MutexGuard<'static, Vec<(u32, u64)>> {
    THREADS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Keeps the current thread registered until dropped.
pub(crate) struct Registered(Option<(u32, u64)>);

/// Registers the current thread as one of `owner`'s (a runtime id, or [`PROCESS`]).
pub(crate) fn register(owner: u64) -> Registered {
    let entry = tid().map(|t| (t, owner));
    if let Some(e) = entry {
        lock().push(e);
    }
    Registered(entry)
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(e) = self.0 {
            let mut v = lock();
            if let Some(i) = v.iter().position(|x| *x == e) {
                v.swap_remove(i);
            }
        }
    }
}

/// Whether every thread of the process is, right now, a registered thread of runtime
/// `owner` or a [`PROCESS`] helper. False where the threads cannot be listed.
pub(crate) fn only_goro(owner: u64) -> bool {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(miri)))]
    {
        // The lock is held across the listing: no goro thread registers or leaves
        // meanwhile, so a registered id is a live goro thread (one that is leaving
        // waits for the lock), never a recycled id of a foreign thread.
        let threads = lock();
        let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
            return false;
        };
        let mut any = false;
        for e in dir {
            let Ok(e) = e else { return false };
            let Some(t) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                return false;
            };
            if !threads
                .iter()
                .any(|&(id, o)| id == t && (o == owner || o == PROCESS))
            {
                return false;
            }
            any = true;
        }
        any
    }
    #[cfg(any(not(any(target_os = "linux", target_os = "android")), miri))]
    {
        let _ = owner;
        false
    }
}

#[cfg(all(test, not(loom), any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_registers_and_unregisters() {
        std::thread::spawn(|| {
            let t = tid().expect("/proc/thread-self");
            let r = register(u64::MAX - 7);
            assert!(lock().contains(&(t, u64::MAX - 7)));
            drop(r);
            assert!(!lock().contains(&(t, u64::MAX - 7)));
            // The test harness's threads are not goro's.
            assert!(!only_goro(u64::MAX - 7));
        })
        .join()
        .unwrap();
    }
}
