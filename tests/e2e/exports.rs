//! CSV exports through the native "Save as" dialog: the file lands where the user typed, and
//! holds what the window shows — numbers a spreadsheet can sum, formulas defused.

use crate::app::App;
use crate::backend::{eventually, Backend};
use crate::desktop::save_as;
use crossbar_sandbox::DEMO_ACCOUNT_NAME;
use rust_decimal::Decimal;

/// An amount as the window shows it ("1,248.75", "-3.20").
fn shown_amount(text: &str) -> Decimal {
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("not an amount: {text:?}"))
}

fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    (header, reader.records().map(Result::unwrap).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_and_change_log_csv_files_are_saved_where_the_dialog_says() {
    let backend = Backend::start(3600).await;
    let church = "Lakeside Community Church";
    backend.adjust(church, "debit", 1.5, "=SUM(A1:A9)").await;
    let app = App::launch_for(&backend, &[]).await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, "admin", "demo", false)
        .await;
    app.open_in_tree(church).await;
    app.wait_text("#account-name", church).await;
    app.click("#tab-usage").await;
    let balance = shown_amount(&app.wait_for("#balance", |t| t.contains("1.70")).await);
    let rows = app
        .client
        .execute(
            "return document.querySelectorAll('#usage-rows tbody tr').length",
            vec![],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap() as usize;
    let by_source: Decimal = app
        .client
        .execute(
            "return [...document.querySelectorAll('#usage-sources tbody tr td:last-child')].map(e => e.innerText)",
            vec![],
        )
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| shown_amount(v.as_str().unwrap()))
        .sum();

    let out = tempfile::tempdir().unwrap();
    let usage = out.path().join("church-usage.csv");
    app.click("#usage-export").await;
    save_as("Export as CSV", &usage).await;
    app.wait_for("#notices", |t| {
        t.contains(&format!("Saved {rows} rows to {}", usage.display()))
    })
    .await;
    let (header, records) = read_csv(&usage);
    assert!(header[0].starts_with("Date ("), "{header:?}");
    assert_eq!(
        header[1..],
        ["Source", "Description", "Minutes", "Amount", "Balance"]
    );
    assert_eq!(records.len(), rows, "every row shown, and only those");
    let number = |r: &csv::StringRecord, i: usize| -> Decimal {
        r[i].parse()
            .unwrap_or_else(|_| panic!("{:?} is not a number a spreadsheet sums", &r[i]))
    };
    assert_eq!(
        number(&records[0], 5),
        balance,
        "the newest row ends at the balance"
    );
    for w in records.windows(2) {
        assert_eq!(number(&w[0], 5) - number(&w[0], 4), number(&w[1], 5));
    }
    let total: Decimal = records.iter().map(|r| number(r, 4)).sum();
    assert_eq!(
        total, by_source,
        "the amounts add up to the totals by source"
    );
    let formula = records
        .iter()
        .find(|r| r[2].contains("SUM("))
        .expect("the adjustment is exported");
    assert_eq!((&formula[2], &formula[4]), ("'=SUM(A1:A9)", "-1.50"));

    // The change log of an edit, saved the same way.
    app.click("#tab-info").await;
    app.replace_text("#f-contact-technical-name", "Grace H. Holloway")
        .await;
    app.click("#btn-save").await;
    eventually("the edit is on the server", || async {
        backend.account(church).await.as_map()["contact"]["technical"]["name"]
            == "Grace H. Holloway"
    })
    .await;
    app.click("#tab-log").await;
    app.wait_for("#change-log", |t| t.contains("applied")).await;
    let log = out.path().join("church-changes.csv");
    app.click("#export-log").await;
    save_as("Export as CSV", &log).await;
    app.wait_for("#notices", |t| t.contains(&format!("to {}", log.display())))
        .await;
    let (header, records) = read_csv(&log);
    assert_eq!(
        header,
        [
            "time_utc",
            "user",
            "edited_utc",
            "account_id",
            "account_name",
            "field",
            "old",
            "new",
            "result",
            "request_id"
        ]
    );
    assert!(
        records.iter().any(|r| &r[5] == "contact.technical.name"
            && &r[6] == "Grace Holloway"
            && &r[7] == "Grace H. Holloway"
            && &r[8] == "applied"),
        "{records:?}"
    );
    app.close().await;
}
