//! Goroutines have no parents: a goroutine keeps running after the goroutine that
//! started it has returned. `parent` spawns `child` and returns at once; the child
//! still reports back to main. The Go program it ports:
//!
//! ```go
//! func main() {
//!     done := make(chan string)
//!     parentDone := make(chan struct{})
//!     go func() { // parent
//!         go func() { // child
//!             time.Sleep(20 * time.Millisecond)
//!             fmt.Println("child: still running after my parent returned")
//!             done <- "child done"
//!         }()
//!         fmt.Println("parent: spawned a child, returning now")
//!         close(parentDone)
//!     }()
//!     <-parentDone
//!     fmt.Println("main: parent has returned")
//!     fmt.Println("main:", <-done)
//! }
//! ```
//!
//! ```text
//! cargo run --example no_parents
//! ```
use std::time::Duration;

fn main() {
    goro::run(async {
        let (tx, rx) = std::sync::mpsc::channel();
        let parent = goro::go(async move {
            goro::go(async move {
                goro::time::sleep(Duration::from_millis(20)).await;
                println!("child: still running after my parent returned");
                tx.send("child done").unwrap();
            });
            println!("parent: spawned a child, returning now");
        });
        parent.await.unwrap();
        println!("main: parent has returned");
        // Wait for the child without blocking a worker thread.
        let msg = goro::unblock(move || rx.recv().unwrap()).await;
        println!("main: {msg}");
    });
}
