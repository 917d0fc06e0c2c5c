//! Guides: goro explained from what you already know.
//!
//! - [`go_programmers`]: goro for Go programmers. Each Go construct (goroutines,
//!   channels, `select`, `sync`, `sync/atomic`, `context`, `time`, `net`) mapped onto
//!   goro, where the two differ and why, and a Go program ported line by line.
//! - [`tokio_users`]: goro for tokio users. `spawn`, `JoinHandle`, `JoinSet`,
//!   `mpsc`/`oneshot`/`broadcast`, `tokio::select!` and cancel safety, time, sync,
//!   net, hyper on goro, and what has no equivalent.
//!
//! These modules hold documentation only. Their code blocks are doctests: `cargo
//! test` compiles and runs them (servers are compiled only), so they keep up with
//! the API. They use the default features (`net`, `macros`).

// The guide shows `fn main` on purpose: it maps Go's `func main`.
#[allow(clippy::needless_doctest_main)]
#[doc = include_str!("../docs/go-programmers.md")]
pub mod go_programmers {}

#[doc = include_str!("../docs/tokio-users.md")]
pub mod tokio_users {}
