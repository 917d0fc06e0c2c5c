//! W5 select-timeout, W8 timers (time issue).
use super::common::Workload;

pub fn workloads() -> Vec<Workload> {
    vec![]
}
