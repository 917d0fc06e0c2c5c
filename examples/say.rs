//! Go's "A Tour of Go: Goroutines" (`say("world")` in a goroutine, `say("hello")` in
//! main). Sleeps are scaled down to 10 ms so the example finishes in a blink.
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
