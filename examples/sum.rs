//! Split a sum over two goroutines (the Go tour's "Channels" example).
//!
//! ```go
//! func sum(s []int, c chan int) {
//!     sum := 0
//!     for _, v := range s { sum += v }
//!     c <- sum
//! }
//! func main() {
//!     s := []int{7, 2, 8, -9, 4, 0}
//!     c := make(chan int)
//!     go sum(s[:len(s)/2], c)
//!     go sum(s[len(s)/2:], c)
//!     x, y := <-c, <-c
//!     fmt.Println(x, y, x+y)
//! }
//! ```
//!
//! ```text
//! cargo run --example sum
//! ```
use goro::{Sender, chan, go};

async fn sum(s: Vec<i64>, c: Sender<i64>) {
    let total = s.iter().sum();
    c.send(total).await.unwrap();
}

fn main() {
    goro::run(async {
        let s = [7, 2, 8, -9, 4, 0];
        let (tx, rx) = chan(0);
        let (a, b) = s.split_at(s.len() / 2);
        let h1 = go(sum(a.to_vec(), tx.clone()));
        let h2 = go(sum(b.to_vec(), tx));
        let (x, y) = (rx.recv().await.unwrap(), rx.recv().await.unwrap());
        println!("{x} {y} {}", x + y);
        h1.await.unwrap();
        h2.await.unwrap();
    });
}
