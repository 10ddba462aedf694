//! The desk benchmark: a small run on every `cargo test`, the full one on demand.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_measures_every_call_on_a_small_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let args = DeskBenchArgs {
        tickets: 3_000,
        drafts: 300,
        samples: 3,
        seed: 1,
    };
    let figures = bench_desk(dir.path(), &args).await.expect("bench");
    println!("{figures}");
    assert_eq!(figures.latencies.len(), 20);
    for latency in &figures.latencies {
        assert!(latency.p50 <= latency.p95 && latency.p99 <= latency.max);
        // On 3,000 tickets the narrowest filter may rightly find nothing.
        if !latency.name.contains("agent03") {
            assert!(latency.rows > 0, "{} returned nothing", latency.name);
        }
    }
}

/// `cargo test --release --lib desk -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "fills a 100,000-ticket store: run on demand, in release"]
async fn desk_latency_with_100k_tickets_and_10k_drafts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let figures = bench_desk(dir.path(), &DeskBenchArgs::default())
        .await
        .expect("bench");
    println!("{figures}");
}
