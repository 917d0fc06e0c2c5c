//! Buffered channels (the Go tour's "Buffered Channels"), then a buffered channel
//! used as a job queue drained by a pool of workers.
//!
//! ```go
//! ch := make(chan int, 2)
//! ch <- 1
//! ch <- 2
//! fmt.Println(<-ch)
//! fmt.Println(<-ch)
//! ```
//!
//! ```text
//! cargo run --example buffered_queue
//! ```
use goro::chan::TrySendError;
use goro::{chan, go};

fn main() {
    goro::run(async {
        let (tx, rx) = chan::<i32>(2);
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        // A third send would block: the buffer is full.
        assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
        println!("len {} cap {}", tx.len(), tx.cap());
        println!("{}", rx.recv().await.unwrap());
        println!("{}", rx.recv().await.unwrap());

        // A job queue: 3 workers take jobs from a buffered channel and report
        // results on another.
        let (jobs_tx, jobs_rx) = chan::<u32>(5);
        let (results_tx, results_rx) = chan::<(usize, u32)>(5);
        let workers: Vec<_> = (0..3)
            .map(|w| {
                let (jobs, results) = (jobs_rx.clone(), results_tx.clone());
                go(async move {
                    while let Some(j) = jobs.recv().await {
                        results.send((w, j * j)).await.unwrap();
                    }
                })
            })
            .collect();
        drop((jobs_rx, results_tx));
        let feeder = go(async move {
            for j in 1..=9 {
                jobs_tx.send(j).await.unwrap();
            }
            // dropping jobs_tx closes the queue: the workers' loops end
        });
        let mut total = 0;
        while let Some((w, r)) = results_rx.recv().await {
            println!("worker {w}: {r}");
            total += r;
        }
        println!("sum of squares 1..=9 = {total}");
        assert_eq!(total, 285);
        feeder.await.unwrap();
        for w in workers {
            w.await.unwrap();
        }
    });
}
