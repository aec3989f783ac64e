//! The three phases of the loop: offline saves, cache rebuilds and online pushes and top-ups,
//! each checked after every kill; and the money check at the end.

use super::*;

pub(super) fn offline_phase(rng: &mut rand::rngs::StdRng, backend_url: &str) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    let base = seed_cache(dir.path(), backend_url);
    // From here on the server is gone: every save stays in the outbox.
    let url = "http://127.0.0.1:9";
    let mut acked: BTreeMap<(String, String), u64> = BTreeMap::new();
    let (mut next, mut total, mut cycles_with_acks, mut lost) = (0u64, 0usize, 0usize, Vec::new());
    let (mut mid_rebuild, mut window) = (0, None);
    for c in 0..OFFLINE_CYCLES + REBUILD_CYCLES {
        let rebuilding = c >= OFFLINE_CYCLES;
        if rebuilding {
            stale(dir.path(), c == OFFLINE_CYCLES);
        }
        let mode = if rebuilding {
            Mode::Rebuild
        } else {
            Mode::Offline
        };
        let run = cycle(c, dir.path(), url, mode, window, next, None, rng);
        if rebuilding {
            window = window.or(run.rebuild_took);
            mid_rebuild += usize::from(!run.rebuilt);
        } else {
            cycles_with_acks += usize::from(!run.acks.is_empty());
        }
        for (id, group, n) in run.acks {
            for (path, _) in group.fields(n) {
                acked.insert((id.clone(), path.to_owned()), n);
            }
            next = next.max(n + 1);
            total += 1;
        }
        let kept = outbox(dir.path(), c, rebuilding);
        for (key, n) in &acked {
            let Some((mine, was)) = kept.get(key) else {
                lost.push(format!(
                    "cycle {c}: {key:?} acknowledged edit {n}, not in the outbox"
                ));
                continue;
            };
            let k = mine.as_ref().and_then(|v| edit_of(&key.1, v));
            if k.is_none_or(|k| k < *n) {
                lost.push(format!(
                    "cycle {c}: {key:?} acknowledged edit {n}, outbox has {mine:?}"
                ));
            }
            if was != &base[key] {
                lost.push(format!(
                    "cycle {c}: {key:?} base is {was:?}, the server had {:?}",
                    base[key]
                ));
            }
        }
    }
    assert!(
        cycles_with_acks * 10 >= OFFLINE_CYCLES * 9,
        "only {cycles_with_acks} of {OFFLINE_CYCLES} cycles acknowledged an edit"
    );
    println!(
        "rebuild kills: {mid_rebuild} of {REBUILD_CYCLES} inside the rebuild (it takes {:?}), the first after it, timed",
        window.unwrap_or_default()
    );
    assert!(
        mid_rebuild * 3 >= REBUILD_CYCLES,
        "only {mid_rebuild} of {REBUILD_CYCLES} kills landed before the rebuild ended"
    );
    assert!(
        lost.is_empty(),
        "acknowledged edits lost:\n{}",
        lost.join("\n")
    );
    (total, acked.len())
}

/// Everything the online phase needs from the live side: a sandbox (whose top-up, like Kazoo
/// 4.3's, reads nothing but the amount) behind a slow proxy, run on a thread of its own.
pub(super) struct Live {
    pub(super) url: String,
    pub(super) sandbox_url: String,
    pub(super) proxy: desk_testkit::Proxy,
    pub(super) _sandbox: crossbar_sandbox::Running,
    pub(super) _dir: tempfile::TempDir,
    /// Last: the servers above stop before their runtime does.
    pub(super) rt: tokio::runtime::Runtime,
}

pub(super) fn live() -> Live {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, proxy) = rt.block_on(async {
        let mut cfg = Config::new(dir.path(), Seed::Demo);
        cfg.start_at = Some(CLOCK.now().timestamp());
        let sbx = crossbar_sandbox::start(cfg).await.unwrap();
        let proxy = desk_testkit::Proxy::start(sbx.addr).await;
        proxy.delay_answers("", 5);
        proxy.delay_answers("/services/topup", 120);
        (sbx, proxy)
    });
    Live {
        url: proxy.url.clone(),
        sandbox_url: sandbox.base_url.clone(),
        proxy,
        _sandbox: sandbox,
        _dir: dir,
        rt,
    }
}

pub(super) fn online_phase(rng: &mut rand::rngs::StdRng, live: &Live) -> (usize, usize) {
    let dir = tempfile::tempdir().unwrap();
    seed_cache(dir.path(), &live.sandbox_url);
    let server = live.rt.block_on(async {
        let c = client(&live.sandbox_url, 2).unwrap();
        c.sign_in(demo_login()).await.unwrap();
        c
    });
    let mut acked: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut intents: Vec<(String, String)> = Vec::new();
    let (mut next, mut total, mut cycles_with_acks, mut lost) = (0u64, 0usize, 0usize, Vec::new());
    let (mut in_push, mut in_credit) = (0, 0);
    for c in 0..ONLINE_CYCLES {
        let run = cycle(
            c,
            dir.path(),
            &live.url,
            Mode::Online,
            None,
            next,
            intents.last(),
            rng,
        );
        cycles_with_acks += usize::from(!run.acks.is_empty());
        in_push += usize::from(run.last == "PUSH");
        in_credit += usize::from(run.last.starts_with("INTENT "));
        for (id, group, n) in run.acks {
            for (path, _) in group.fields(n) {
                acked.insert((id.clone(), path.to_owned()), n);
            }
            next = next.max(n + 2);
            total += 1;
        }
        intents.extend(run.intents);
        let kept = outbox(dir.path(), c, false);
        for (key, n) in &acked {
            let pending = kept
                .get(key)
                .and_then(|(mine, _)| mine.as_ref())
                .and_then(|v| edit_of(&key.1, v));
            let on_server = live.rt.block_on(async {
                let id = desk_core::AccountId::parse(&key.0).unwrap();
                let doc = server.get_account(&id).await.unwrap().value.to_value();
                desk_core::merge::value_at(doc.as_object().unwrap(), &key.1)
                    .and_then(|v| edit_of(&key.1, &v))
            });
            if pending.max(on_server).is_none_or(|k| k < *n) {
                lost.push(format!(
                    "cycle {c}: {key:?} acknowledged edit {n}; outbox {pending:?}, server {on_server:?}"
                ));
            }
        }
    }
    assert!(
        cycles_with_acks * 10 >= ONLINE_CYCLES * 9,
        "only {cycles_with_acks} of {ONLINE_CYCLES} online cycles acknowledged an edit"
    );
    assert!(
        lost.is_empty(),
        "acknowledged edits lost:\n{}",
        lost.join("\n")
    );
    println!("online kills: {in_push} during a push, {in_credit} while adding credit");
    check_money(live, &server, dir.path(), &intents);
    (total, intents.len())
}

/// No top-up crossed the network twice for one intent; the ledger holds at most one payment per
/// intent (each intent has its own amount), and exactly one for each the app calls completed.
pub(super) fn check_money(live: &Live, server: &Client, dir: &Path, intents: &[(String, String)]) {
    let mut sent: HashMap<String, usize> = HashMap::new();
    for r in live.proxy.requests() {
        if r.is("POST", "/services/topup") {
            // Each intent has its own amount, and the amount is all a top-up carries.
            let amount = r.json()["data"]["amount"].to_string();
            *sent.entry(amount).or_default() += 1;
        }
    }
    let twice: Vec<_> = sent.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "top-ups sent more than once: {twice:?}");
    let reseller = desk_core::AccountId::parse(&account_id(DEMO_ACCOUNT_NAME)).unwrap();
    let payments: Vec<rust_decimal::Decimal> = live.rt.block_on(async {
        let now = CLOCK.now();
        server
            .complete_ledger(
                &reseller,
                "payments",
                now - chrono::Duration::hours(2),
                now + chrono::Duration::hours(2),
            )
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.amount)
            .collect()
    });
    let cache = Cache::open(dir).unwrap().cache;
    let states: HashMap<String, IntentState> = cache
        .prefs_with_prefix::<Value>("credit_intent:")
        .unwrap()
        .into_iter()
        .filter_map(|(k, v)| {
            let state = serde_json::from_value(v.get("state")?.clone()).ok()?;
            Some((k.trim_start_matches("credit_intent:").to_owned(), state))
        })
        .collect();
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for (intent, _) in intents {
        let state = states.get(intent).map_or("never written".to_owned(), |s| {
            format!("{s:?}").to_lowercase()
        });
        *by_state.entry(state).or_default() += 1;
    }
    println!(
        "credit intents by state: {by_state:?}; {} top-up requests crossed the network",
        sent.values().sum::<usize>()
    );
    for (intent, amount) in intents {
        let amount: rust_decimal::Decimal = amount.parse().unwrap();
        let paid = payments.iter().filter(|p| **p == amount).count();
        assert!(
            paid <= 1,
            "intent {intent} ({amount}) was paid {paid} times"
        );
        if states.get(intent) == Some(&IntentState::Completed) {
            assert_eq!(paid, 1, "intent {intent} ({amount}) completed but not paid");
        }
        if matches!(
            states.get(intent),
            Some(IntentState::NotCharged | IntentState::Declined)
        ) {
            assert_eq!(
                paid, 0,
                "intent {intent} ({amount}) said not charged, was paid"
            );
        }
    }
}
