//! W1 spawn-join (runtime issue).
use super::common::Workload;

pub fn workloads() -> Vec<Workload> {
    vec![]
}
