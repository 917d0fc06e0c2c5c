//! Build script: one cfg, `goro_epoll`, for "goro's own epoll reactor backs
//! `goro::net`" (feature `net` on Linux and Android). Elsewhere `goro::net` runs on
//! async-io's portable reactor.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(goro_epoll)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let net = std::env::var_os("CARGO_FEATURE_NET").is_some();
    if net && (os == "linux" || os == "android") {
        println!("cargo:rustc-cfg=goro_epoll");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
