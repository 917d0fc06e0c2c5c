//! Go's concurrent prime sieve (doc/play/sieve.go): a generator goroutine and a
//! daisy chain of filter goroutines, one per prime found, joined by unbuffered
//! channels.
//!
//! ```go
//! func Generate(ch chan<- int) { for i := 2; ; i++ { ch <- i } }
//! func Filter(in <-chan int, out chan<- int, prime int) {
//!     for { i := <-in; if i%prime != 0 { out <- i } }
//! }
//! func main() {
//!     ch := make(chan int)
//!     go Generate(ch)
//!     for i := 0; i < 10; i++ {
//!         prime := <-ch
//!         fmt.Println(prime)
//!         ch1 := make(chan int)
//!         go Filter(ch, ch1, prime)
//!         ch = ch1
//!     }
//! }
//! ```
//!
//! ```text
//! cargo run --example sieve
//! ```
use goro::{Receiver, Sender, chan, go};

async fn generate(ch: Sender<u32>) {
    let mut i = 2;
    // Ends when the first filter is dropped (send fails), instead of running
    // forever as in Go.
    while ch.send(i).await.is_ok() {
        i += 1;
    }
}

async fn filter(input: Receiver<u32>, out: Sender<u32>, prime: u32) {
    while let Some(i) = input.recv().await {
        if i % prime != 0 && out.send(i).await.is_err() {
            return;
        }
    }
}

fn main() {
    goro::run(async {
        let (tx, mut ch) = chan(0);
        let mut goroutines = vec![go(generate(tx))];
        let mut primes = vec![];
        for _ in 0..25 {
            let prime = ch.recv().await.unwrap();
            println!("{prime}");
            primes.push(prime);
            let (tx1, ch1) = chan(0);
            goroutines.push(go(filter(ch, tx1, prime)));
            ch = ch1;
        }
        assert_eq!(primes[24], 97);
        // Dropping the last receiver makes the last filter's send fail; each
        // goroutine then returns, and the failure travels back up the chain.
        drop(ch);
        for g in goroutines {
            g.await.unwrap();
        }
    });
}
