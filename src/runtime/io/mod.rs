//! The runtime's I/O driver on Linux and Android: goro's own edge-triggered epoll
//! [`reactor`] (the netpoller idle workers park in) and the per-socket readiness
//! word, [`scheduled_io`]. `crate::net`, one layer up, registers its sockets here.

pub(crate) mod reactor;
pub(crate) mod scheduled_io;
