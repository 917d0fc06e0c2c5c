//! Go by Example "Worker Pools": three workers take jobs from a `jobs` channel and
//! send results on a `results` channel; main sends five jobs, closes `jobs`, and
//! collects the results. Each job "takes" 10 ms (a sleep), so the five finish in
//! about 20 ms instead of 50.
//!
//! ```go
//! func worker(id int, jobs <-chan int, results chan<- int) {
//!     for j := range jobs {
//!         fmt.Println("worker", id, "started  job", j)
//!         time.Sleep(time.Second)
//!         fmt.Println("worker", id, "finished job", j)
//!         results <- j * 2
//!     }
//! }
//! ```
//!
//! ```text
//! cargo run --example worker_pool
//! ```
use std::time::{Duration, Instant};

async fn worker(id: u32, jobs: goro::Receiver<u32>, results: goro::Sender<u32>) {
    while let Some(j) = jobs.recv().await {
        println!("worker {id} started  job {j}");
        goro::time::sleep(Duration::from_millis(10)).await;
        println!("worker {id} finished job {j}");
        results.send(j * 2).await.unwrap();
    }
}

fn main() {
    goro::run(async {
        let start = Instant::now();
        const NUM_JOBS: u32 = 5;
        let (jobs_tx, jobs_rx) = goro::chan::<u32>(NUM_JOBS as usize);
        let (results_tx, results_rx) = goro::chan::<u32>(NUM_JOBS as usize);
        for w in 1..=3 {
            goro::go(worker(w, jobs_rx.clone(), results_tx.clone()));
        }
        for j in 1..=NUM_JOBS {
            jobs_tx.send(j).await.unwrap();
        }
        jobs_tx.close(); // workers' `recv` returns None once the jobs are drained
        let mut sum = 0;
        for _ in 0..NUM_JOBS {
            sum += results_rx.recv().await.unwrap();
        }
        println!(
            "results sum to {sum} in {:?} with 3 workers",
            start.elapsed()
        );
    });
}
