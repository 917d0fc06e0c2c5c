//! Loom models of the rendezvous hand-off and the select commit (filled below).
