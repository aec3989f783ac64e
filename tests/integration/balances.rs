//! The Balances screen's engine over a scale seed of 300 sub-accounts, behind a counting proxy:
//! one `/ledgers/total` per account with a bounded number in flight, account documents read
//! only when not cached, sorting by how close each is to running out, filters, search, the CSV
//! export, and the last readings kept (with their time) when the platform is gone.

use crate::support::{instant, sandbox, NOW};
use crossbar_sandbox::Seed;
use desk_engine::{BalanceFilter, BalanceSort, BalancesQuery};
use desk_store::MemoryStore;
use desk_testkit::Proxy;
use rust_decimal::Decimal;
use std::sync::Arc;

const ACCOUNTS: usize = 300;

/// What the scale seed credits account `i` with (see `crossbar_sandbox::seed`): 0.00 to 119.99.
fn opening(i: usize) -> Decimal {
    Decimal::new(((i * 7_919) % 12_000) as i64, 2)
}

#[tokio::test]
async fn every_balance_is_read_a_few_at_a_time_sorted_closest_to_running_out_and_kept_offline() {
    let sbx = sandbox(Seed::Scale(ACCOUNTS), 3600).await;
    let proxy = Proxy::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let dk = sbx
        .signed_in(
            &proxy.url,
            dir.path(),
            Arc::new(MemoryStore::default()),
            crossbar_sandbox::DEMO_ACCOUNT_NAME,
        )
        .await;

    // Before any reading: every sub-account listed, none read.
    let first = dk.balances(&BalancesQuery::default()).unwrap();
    assert_eq!((first.total, first.unread), (ACCOUNTS, ACCOUNTS));
    assert!(first
        .rows
        .iter()
        .all(|r| r.balance.is_none() && r.read_at.is_none()));

    let before = proxy.requests().len();
    let done = dk.refresh_balances().await.unwrap();
    assert_eq!((done.done, done.of, done.failed), (ACCOUNTS, ACCOUNTS, 0));
    let asked = &proxy.requests()[before..];
    let totals = asked
        .iter()
        .filter(|r| r.is("GET", "/ledgers/total"))
        .count();
    // `/v2/accounts/{id}`, the document itself.
    let docs = asked
        .iter()
        .filter(|r| r.method == "GET" && r.path.rsplit('/').nth(1) == Some("accounts"))
        .count();
    assert_eq!(
        (totals, docs),
        (ACCOUNTS, ACCOUNTS),
        "one balance and one document each"
    );
    let at_once = proxy.most_at_once();
    assert!(
        (2..=desk_engine::BALANCE_CONCURRENCY).contains(&at_once),
        "{at_once} requests at once"
    );

    // Closest to running out first: the headroom above the threshold (5.00 unless set).
    let page = dk.balances(&BalancesQuery::default()).unwrap();
    assert_eq!(page.unread, 0);
    let mut expected: Vec<Decimal> = (0..ACCOUNTS).map(opening).collect();
    expected.sort();
    let shown: Vec<Decimal> = page.rows.iter().map(|r| r.balance.unwrap()).collect();
    assert_eq!(shown, expected[..page.rows.len()], "lowest balance first");
    assert!(page
        .rows
        .iter()
        .all(|r| r.threshold == Some(Decimal::new(5, 0))));
    let read = page.rows[0].read_at.unwrap();
    assert!(read >= instant(NOW) && read <= dk.now(), "{read}");
    let below = dk
        .balances(&BalancesQuery {
            filter: BalanceFilter::Below,
            ..Default::default()
        })
        .unwrap();
    let low = (0..ACCOUNTS)
        .filter(|&i| opening(i) < Decimal::new(5, 0))
        .count();
    assert_eq!(below.matching, low);
    assert!(below.rows.iter().all(|r| r.below));
    let name = page.rows[3].name.clone();
    let found = dk
        .balances(&BalancesQuery {
            search: name.to_uppercase(),
            sort: BalanceSort::Name,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        found.rows.iter().map(|r| &r.name).collect::<Vec<_>>(),
        [&name]
    );

    // The export has every matching row, amounts as numbers.
    let csv = dir.path().join("balances.csv");
    let written = dk
        .export_balances(
            &BalancesQuery {
                filter: BalanceFilter::Below,
                ..Default::default()
            },
            &csv,
        )
        .unwrap();
    assert_eq!(written, low);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), low + 1);
    assert!(text.lines().nth(1).unwrap().contains(",0.00,"), "{text}");

    // A second reading asks for balances only: the documents are cached.
    let before = proxy.requests().len();
    dk.refresh_balances().await.unwrap();
    let docs_again = proxy.requests()[before..]
        .iter()
        .filter(|r| !r.is("GET", "/ledgers/total"))
        .count();
    assert_eq!(docs_again, 0);

    // The platform gone: the screen still has every reading, with its time; a refresh says
    // how many it could not read, and loses none.
    proxy.set_down(true);
    let offline = dk.refresh_balances().await.unwrap();
    assert_eq!(offline.failed, ACCOUNTS);
    let kept = dk.balances(&BalancesQuery::default()).unwrap();
    assert_eq!((kept.unread, kept.last_failed), (0, ACCOUNTS));
    assert!(kept
        .oldest_read
        .is_some_and(|t| t >= instant(NOW) && t <= dk.now()));
}
