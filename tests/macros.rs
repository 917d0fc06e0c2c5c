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
