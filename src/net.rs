//! TODO: networking (goro::net).
