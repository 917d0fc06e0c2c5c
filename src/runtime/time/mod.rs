//! The runtime's timer driver: the hierarchical timing [`wheel`] and the process-wide
//! [`driver`] that the workers drive while they run and park (no timer thread).
//!
//! The user-facing time API (`sleep`, `Timer`, `Ticker`, `timeout`) is `crate::time`,
//! one layer up: it arms and disarms timers here, as the channels do for the timers
//! of `time::after`.

pub(crate) mod driver;
mod wheel;
