//! The account switcher at reseller scale: a sandbox seeded with 10,000 sub-accounts, synced
//! into a real cache, then search timed per keystroke. Target: < 10 ms per keystroke.
//! Run: `cargo bench -p desk-engine --bench switcher`.

use criterion::{criterion_group, criterion_main, Criterion};
use crossbar::{AccountRef, BaseUrl, Client, ClientOptions, Credentials};
use crossbar_sandbox::{Config, Seed, DEMO_ACCOUNT_NAME};
use desk_engine::Desk;
use desk_store::{Cache, MemoryStore};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

const ACCOUNTS: usize = 10_000;

fn synced_desk(
    rt: &tokio::runtime::Runtime,
    dirs: &(tempfile::TempDir, tempfile::TempDir),
) -> Desk {
    rt.block_on(async {
        let sbx = crossbar_sandbox::start(Config::new(dirs.0.path(), Seed::Scale(ACCOUNTS)))
            .await
            .expect("sandbox");
        // The sync goes through a proxy that counts the pages it really fetched.
        let proxy = desk_testkit::Proxy::start(sbx.addr).await;
        let cache = Cache::open(dirs.1.path()).expect("cache").cache;
        let client = Client::new(
            BaseUrl::parse(&proxy.url).expect("url"),
            ClientOptions::default(),
        )
        .expect("client");
        let desk = Desk::new(client, cache, Arc::new(MemoryStore::default()), "bench");
        desk.sign_in(
            Credentials::password(AccountRef::Name(DEMO_ACCOUNT_NAME.into()), "admin", "demo"),
            false,
        )
        .await
        .expect("sign in");
        let started = Instant::now();
        let status = desk.sync_tree().await.expect("sync");
        let pages = proxy.count("GET", "/descendants");
        println!(
            "tree sync: {} accounts in {:.2} s ({pages} requests to /descendants, {} requests in all)",
            status.account_count,
            started.elapsed().as_secs_f64(),
            proxy.requests().len()
        );
        assert!(pages >= ACCOUNTS.div_ceil(500), "{pages} pages for {ACCOUNTS} accounts");
        sbx.stop().await;
        desk
    })
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let desk = synced_desk(&rt, &dirs);
    let mut group = c.benchmark_group("switcher_10k");
    // Every prefix of what a user types, by name, realm and account ID.
    let some_id = crossbar_sandbox::seed::account_id("Blue Dental Group 00001");
    for (label, typed) in [
        ("name", "harbor dental"),
        ("realm", "acct04217.scale"),
        ("id", &some_id[..12]),
    ] {
        assert!(!desk.search(typed).is_empty(), "{typed} finds an account");
        let prefixes: Vec<&str> = (1..=typed.len()).map(|n| &typed[..n]).collect();
        group.bench_function(format!("search_by_{label}_per_keystroke"), |b| {
            let mut i = 0;
            b.iter(|| {
                let q = prefixes[i % prefixes.len()];
                i += 1;
                black_box(desk.search(black_box(q)))
            })
        });
    }
    group.bench_function("children_of_root", |b| {
        b.iter(|| black_box(desk.children(None).expect("children")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
