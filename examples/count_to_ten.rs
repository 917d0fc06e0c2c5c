//! Main returns before the goroutine finishes: Go's semantics. The goroutine counts
//! slowly; main waits only 35 ms and returns, and the goroutine is dropped mid-count
//! (its destructor runs, as the printout shows), exactly as a Go program exits when
//! `main` returns. The Go program it ports:
//!
//! ```go
//! func main() {
//!     go func() {
//!         for i := 1; i <= 10; i++ {
//!             fmt.Println(i)
//!             time.Sleep(10 * time.Millisecond)
//!         }
//!         fmt.Println("counted to ten") // never printed
//!     }()
//!     time.Sleep(35 * time.Millisecond)
//!     fmt.Println("main returns")
//! }
//! ```
//!
//! ```text
//! cargo run --example count_to_ten
//! ```
use std::time::Duration;

struct Bye;
impl Drop for Bye {
    fn drop(&mut self) {
        println!("counter goroutine dropped: main returned first");
    }
}

fn main() {
    goro::run(async {
        goro::go(async {
            let _bye = Bye;
            for i in 1..=10 {
                println!("{i}");
                goro::time::sleep(Duration::from_millis(10)).await;
            }
            println!("counted to ten (not printed: main returns first)");
        });
        goro::time::sleep(Duration::from_millis(35)).await;
        println!("main returns");
    });
}
