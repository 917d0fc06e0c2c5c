//! W10 tcp-echo (networking issue).
use super::common::Workload;

pub fn workloads() -> Vec<Workload> {
    vec![]
}
