//! Chinese whispers (Rob Pike's "Go Concurrency Patterns" daisy chain): n
//! goroutines in a line joined by unbuffered channels; each receives a number from
//! its right neighbour and passes it plus one to its left.
//!
//! ```go
//! func whisper(left, right chan int) { left <- 1 + <-right }
//! func main() {
//!     const n = 10000
//!     leftmost := make(chan int)
//!     right := leftmost
//!     left := leftmost
//!     for i := 0; i < n; i++ {
//!         right = make(chan int)
//!         go whisper(left, right)
//!         left = right
//!     }
//!     go func(c chan int) { c <- 1 }(right)
//!     fmt.Println(<-leftmost)
//! }
//! ```
//!
//! ```text
//! cargo run --release --example whispers
//! ```
use goro::{Receiver, Sender, chan, go};

async fn whisper(left: Sender<u64>, right: Receiver<u64>) {
    let x = right.recv().await.unwrap();
    left.send(x + 1).await.unwrap();
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    goro::run(async move {
        let start = std::time::Instant::now();
        let (leftmost_tx, leftmost_rx) = chan(0);
        let mut left = leftmost_tx;
        let mut chain = Vec::with_capacity(n);
        for _ in 0..n {
            let (right_tx, right_rx) = chan(0);
            chain.push(go(whisper(left, right_rx)));
            left = right_tx;
        }
        let first = go(async move { left.send(1).await.unwrap() });
        let got = leftmost_rx.recv().await.unwrap();
        println!("{got} (chain of {n} goroutines in {:?})", start.elapsed());
        assert_eq!(got, n as u64 + 1);
        first.await.unwrap();
        for g in chain {
            g.await.unwrap();
        }
    });
}
