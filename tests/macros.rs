//! `#[goro::main]` / `#[goro::test]`.
#![cfg(feature = "macros")]

#[goro::test]
async fn test_attribute_runs_on_goro() {
    assert_eq!(goro::num_goroutines(), 1);
    assert_eq!(goro::go(async { 2 + 2 }).await.unwrap(), 4);
}

#[goro::test(workers = 1)]
async fn test_attribute_with_workers() -> Result<(), String> {
    let v = goro::go(async { 1 }).await.map_err(|e| e.to_string())?;
    assert_eq!(v, 1);
    Ok(())
}

#[goro::test(synctest)]
async fn test_attribute_synctest_runs_in_a_bubble() -> Result<(), String> {
    let t0 = goro::time::now();
    goro::time::sleep(std::time::Duration::from_secs(86_400)).await;
    assert_eq!(
        goro::time::now() - t0,
        std::time::Duration::from_secs(86_400)
    );
    goro::test::wait().await; // only inside a bubble
    Ok(())
}

mod as_main {
    #[goro::main]
    pub async fn main() -> u32 {
        goro::go(async { 7 }).await.unwrap()
    }

    #[test]
    fn main_attribute() {
        assert_eq!(main(), 7);
    }
}
