//! Go's "A Tour of Go: Goroutines" (`say("world")` in a goroutine, `say("hello")` in
//! main). Sleeps are scaled down to 10 ms so the example finishes in a blink.
//!
//! ```go
//! func say(s string) {
//!     for i := 0; i < 5; i++ {
//!         time.Sleep(100 * time.Millisecond)
//!         fmt.Println(s)
//!     }
//! }
//! func main() {
//!     go say("world")
//!     say("hello")
//! }
//! ```
//!
//! ```text
//! cargo run --example say
//! ```
use std::time::Duration;

async fn say(s: &'static str) {
    for _ in 0..5 {
        goro::time::sleep(Duration::from_millis(10)).await;
        println!("{s}");
    }
}

fn main() {
    goro::run(async {
        goro::go(say("world"));
        say("hello").await;
    });
}
