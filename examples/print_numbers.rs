//! Close and range (the Go tour's "Range and Close"): a goroutine sends the first
//! ten Fibonacci numbers and closes the channel; main ranges over it.
//!
//! ```go
//! func fibonacci(n int, c chan int) {
//!     x, y := 0, 1
//!     for i := 0; i < n; i++ { c <- x; x, y = y, x+y }
//!     close(c)
//! }
//! func main() {
//!     c := make(chan int, 10)
//!     go fibonacci(cap(c), c)
//!     for i := range c { fmt.Println(i) }
//! }
//! ```
//!
//! ```text
//! cargo run --example print_numbers
//! ```
use futures_lite::StreamExt;
use goro::{Sender, chan, go};

async fn fibonacci(n: usize, c: Sender<u64>) {
    let (mut x, mut y) = (0, 1);
    for _ in 0..n {
        c.send(x).await.unwrap();
        (x, y) = (y, x + y);
    }
    c.close();
}

fn main() {
    goro::run(async {
        let (tx, mut rx) = chan(10);
        let producer = go(fibonacci(tx.cap(), tx));
        // `for i := range c`: the Receiver is a Stream.
        while let Some(i) = rx.next().await {
            println!("{i}");
        }
        producer.await.unwrap();
    });
}
