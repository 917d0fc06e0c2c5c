//! Go's most famous runtime error. Main sends on an unbuffered channel that nobody
//! receives from; a helper goroutine waits on a WaitGroup that never reaches zero.
//! Nothing can ever wake either, so goro stops the program with Go's message and a
//! dump of the goroutines, instead of hanging:
//!
//! ```text
//! fatal error: all goroutines are asleep - deadlock!
//!
//! goroutine main [chan send]:
//!         goro::run at examples/deadlock.rs:..
//!
//! goroutine 1 [sync.WaitGroup.Wait]:
//!         spawned at examples/deadlock.rs:..
//! ```
//!
//! (This example exits with that panic on purpose.) The Go program it ports:
//!
//! ```go
//! func main() {
//!     var wg sync.WaitGroup
//!     wg.Add(1)
//!     go func() { wg.Wait() }()
//!     ch := make(chan string)
//!     ch <- "hello" // nobody receives
//!     wg.Done()
//! }
//! ```
//!
//! ```text
//! cargo run --example deadlock
//! ```
fn main() {
    goro::run(async {
        let wg = goro::sync::WaitGroup::new();
        wg.add(1);
        let w = wg.clone();
        goro::go(async move { w.wait().await });
        let (tx, _rx) = goro::chan::<&str>(0);
        println!("sending on a channel nobody receives from...");
        tx.send("hello").await.unwrap();
        wg.done();
    });
}
