//! Goroutine names (`go_named`), kept aside so that unnamed goroutines pay nothing:
//! a map from id to name, touched at spawn and finish only while any name exists.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::{Arc, Mutex, MutexGuard};

static NAMES: Mutex<Option<HashMap<u64, Arc<str>>>> = Mutex::new(None);
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn lock() -> MutexGuard<'static, Option<HashMap<u64, Arc<str>>>> {
    NAMES.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn set(id: u64, name: String) {
    let mut g = lock();
    if g.get_or_insert_with(HashMap::new)
        .insert(id, name.into())
        .is_none()
    {
        COUNT.fetch_add(1, SeqCst);
    }
}

pub(crate) fn get(id: u64) -> Option<Arc<str>> {
    if COUNT.load(SeqCst) == 0 {
        return None;
    }
    lock().as_ref()?.get(&id).cloned()
}

/// Forgets a finished goroutine's name (cheap when no goroutine is named).
pub(crate) fn remove(id: u64) {
    if COUNT.load(Relaxed) == 0 {
        return;
    }
    if let Some(m) = lock().as_mut() {
        if m.remove(&id).is_some() {
            COUNT.fetch_sub(1, SeqCst);
        }
    }
}
