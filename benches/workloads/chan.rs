//! W2 ping-pong, W3 mpmc, W4 select4, W7 parked, W9 whispers (channels issue).
use super::common::Workload;

pub fn workloads() -> Vec<Workload> {
    vec![]
}
