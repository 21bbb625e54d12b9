//! A million live records fit well under 200 MB. Alone in its own test binary, so that the
//! process's resident size measures this store and nothing else.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use standard_webhooks_tower::{
    MemoryStore,
    store::{Claim, IdempotencyStore, StoreError},
};

fn rss_kib() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_million_live_records_fit_well_under_200_mb() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let lease = Duration::from_secs(3600);
    let before = rss_kib();
    let started = std::time::Instant::now();
    let store = MemoryStore::new();
    rt.block_on(async {
        for i in 0..MemoryStore::DEFAULT_MAX_RECORDS {
            // Shaped like a layer key: a namespace and a Svix-style message id.
            let key = format!("webhooks:msg_2KWPBgLlAfxdpx2AI54p{i:08}");
            assert!(matches!(
                store.claim(&key, lease).await,
                Ok(Claim::Acquired(_))
            ));
        }
    });
    let mib = (rss_kib() - before) / 1024;
    eprintln!("1M claims in {:?}, {mib} MiB resident", started.elapsed());
    assert_eq!(store.len(), MemoryStore::DEFAULT_MAX_RECORDS);
    assert!(mib < 200, "{mib} MiB for a million records");
    assert!(matches!(
        rt.block_on(store.claim("one-more", lease)),
        Err(StoreError::Full)
    ));
}
