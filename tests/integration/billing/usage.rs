//! Usage Charges with hand-computed balances and a CSV a spreadsheet can sum; the demo on any date.

use super::*;

/// A known run of entries on a pinned clock: every balance and chart point is written out by
/// hand, and the CSV is a table a spreadsheet can sum.
#[tokio::test]
async fn usage_rows_balances_chart_and_csv_match_a_hand_kept_ledger() {
    // Noon in Chicago; the church's seeded balance is 3.20 and no usage is written after now.
    // Days pass below: sessions that outlive them.
    let Setup {
        sbx,
        dir: _dir,
        dk,
        admin,
        ..
    } = setup_on(sandbox_at(Seed::Demo, 100_000_000, "2026-11-09T18:00:00Z").await).await;
    let church = "Lakeside Community Church";
    let acct = id(church);
    sbx.advance(86_400).await;
    adjust(&sbx, &admin, church, "credit", "100", "Cheque received").await;
    sbx.advance(86_400).await;
    adjust(
        &sbx,
        &admin,
        church,
        "debit",
        "30",
        "=HYPERLINK(\"http://x\")",
    )
    .await;
    sbx.advance(2 * 86_400).await;
    adjust(&sbx, &admin, church, "debit", "20.55", "Late fee").await;

    let day = |n: u32| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
    let u = dk
        .usage(acct.as_str(), day(10), day(13), true)
        .await
        .unwrap();
    assert_eq!(u.zone, "America/Chicago");
    assert_eq!(u.balance, d("52.65"));
    let rows: Vec<(&str, Decimal, Decimal)> = u
        .rows
        .iter()
        .map(|r| (r.description.as_str(), r.amount, r.balance))
        .collect();
    assert_eq!(
        rows,
        [
            ("Late fee", d("-20.55"), d("52.65")),
            ("=HYPERLINK(\"http://x\")", d("-30"), d("73.20")),
            ("Cheque received", d("100"), d("103.20")),
        ]
    );
    let chart: Vec<(NaiveDate, Decimal)> = u.chart.iter().map(|p| (p.date, p.balance)).collect();
    assert_eq!(
        chart,
        [
            (day(10), d("103.20")),
            (day(11), d("73.20")),
            (day(12), d("73.20")),
            (day(13), d("52.65")),
        ]
    );
    let sources: Vec<(&str, Decimal)> = u
        .sources
        .iter()
        .map(|s| (s.source.as_str(), s.amount))
        .collect();
    assert_eq!(sources, [("adjustments", d("49.45"))]);

    // The CSV: one header, then numbers a spreadsheet sums (never text like '-20.55), and text
    // that could run as a formula defused.
    let csv = desk_engine::usage_csv(&u);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "Date (America/Chicago)",
            "Source",
            "Description",
            "Minutes",
            "Amount",
            "Balance"
        ]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    let number = |r: &csv::StringRecord, i: usize| -> Decimal {
        r[i].parse()
            .unwrap_or_else(|_| panic!("column {i} is not a number: {:?}", &r[i]))
    };
    let amounts: Decimal = records.iter().map(|r| number(r, 4)).sum();
    assert_eq!(amounts, d("49.45"), "the amounts sum to the source total");
    let balances: Vec<Decimal> = records.iter().map(|r| number(r, 5)).collect();
    assert_eq!(balances, [d("52.65"), d("73.20"), d("103.20")]);
    assert_eq!(&records[0][0], "2026-11-13 12:00 CST");
    assert_eq!(&records[1][2], "'=HYPERLINK(\"http://x\")");

    let bad = dk
        .usage(acct.as_str(), day(13), day(10), false)
        .await
        .unwrap_err()
        .view();
    assert_eq!(bad.field.as_deref(), Some("usage.range"));
}

/// The demo, opened on the days a calendar goes wrong: the card warning is there, and so is
/// this month's charge for accounts on both sides of the date line.
#[tokio::test]
async fn on_any_date_the_demo_warns_of_the_card_and_lists_this_months_charge() {
    const DATES: &[&str] = &[
        "2026-12-31T10:30:00Z", // Kiritimati just into 1 January, the 31st elsewhere
        "2027-01-01T11:30:00Z", // Pago Pago just into the 1st
        "2027-01-15T12:00:00Z",
        "2027-04-30T23:00:00Z", // the last day of April in the Americas
        "2028-02-29T12:00:00Z",
        "2027-03-14T10:30:00Z", // US DST change
        "2026-10-25T01:30:00Z", // EU DST change
    ];
    const ACCOUNTS: &[&str] = &[
        DEMO_ACCOUNT_NAME,
        "Line Islands Research Station",
        "Tonga Pacific Fisheries",
        "Kiwi Outdoor Gear",
        "Sakura Travel K.K.",
        "Maison Laurent Avocats",
        "Bayside Realty",
        "Pago Pago Harbor Clinic",
    ];
    for at in DATES {
        let Setup {
            sbx, dir: _dir, dk, ..
        } = setup_on(sandbox_at(Seed::Demo, 600, at).await).await;
        let reseller = id(DEMO_ACCOUNT_NAME);
        let card = dk
            .payment_details(reseller.as_str())
            .await
            .unwrap()
            .card
            .expect("a card on file");
        assert!(
            card.warning
                .as_deref()
                .is_some_and(|w| w.contains("expires at the end of")),
            "{at}: {card:?}"
        );
        for name in ACCOUNTS {
            let acct = id(name);
            let zone: chrono_tz::Tz = dk
                .account(acct.as_str())
                .await
                .unwrap()
                .timezone
                .effective
                .expect("each of these accounts has a zone")
                .parse()
                .unwrap();
            let today = sbx.now().with_timezone(&zone).date_naive();
            let first = chrono::Datelike::with_day(&today, 1).unwrap();
            let u = dk.usage(acct.as_str(), first, today, true).await.unwrap();
            let wanted = format!("Monthly charges, {}", first.format("%B %Y"));
            assert!(
                u.rows.iter().any(|r| r.description == wanted),
                "{at}: {name} ({zone}, {today}) shows no “{wanted}”"
            );
        }
    }
}
