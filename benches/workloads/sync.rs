//! W6 mutex (sync issue).
use super::common::Workload;

pub fn workloads() -> Vec<Workload> {
    vec![]
}
