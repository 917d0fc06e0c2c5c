//! TODO: sync primitives.
