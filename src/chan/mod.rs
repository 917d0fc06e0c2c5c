//! TODO: channels. (Stub signatures only.)
use std::marker::PhantomData;
/// Sending half (stub).
pub struct Sender<T>(PhantomData<T>);
/// Receiving half (stub).
pub struct Receiver<T>(PhantomData<T>);
/// Creates a channel (stub).
pub fn chan<T>(_cap: usize) -> (Sender<T>, Receiver<T>) {
    unimplemented!()
}
