//! Proration at fixed instants, against amounts worked out by hand.

use super::*;

/// A trunk rise of two inbound (14.99) and one two-way (24.99) trunk: 54.97 a month.
fn rise(t: &desk_engine::TrunksView) -> TrunksForm {
    TrunksForm {
        inbound: (t.inbound.value + 2).to_string(),
        outbound: t.outbound.value.to_string(),
        twoway: (t.twoway.value + 1).to_string(),
    }
}

/// (account, charged today, the preview's sentence).
type Expected = (&'static str, &'static str, &'static str);

/// Per instant, what raising trunks costs, worked out by hand: 54.97 × days left (today
/// included) ÷ days in the month, on the account's calendar, rounded half away from zero to the
/// cent.
const PRORATIONS: &[(&str, &[Expected])] = &[
    // Kiritimati (UTC+14) and Tonga (UTC+13) are already on 1 May; Pago Pago (UTC−11) and Los
    // Angeles are still on 30 April.
    (
        "2026-04-30T20:00:00Z",
        &[
            (
                "Line Islands Research Station",
                "54.97",
                "54.97 today (prorated, 31 of 31 days), 54.97 monthly from 1 June 2026",
            ),
            (
                "Tonga Pacific Fisheries",
                "54.97",
                "54.97 today (prorated, 31 of 31 days), 54.97 monthly from 1 June 2026",
            ),
            (
                "Pago Pago Harbor Clinic",
                "1.83",
                "1.83 today (prorated, 1 of 30 days), 54.97 monthly from 1 May 2026",
            ),
            (
                "Bayside Realty",
                "1.83",
                "1.83 today (prorated, 1 of 30 days), 54.97 monthly from 1 May 2026",
            ),
        ],
    ),
    // A half cent: 54.97 × 14 ÷ 28 = 27.485.
    (
        "2027-02-15T20:00:00Z",
        &[(
            "Bayside Realty",
            "27.49",
            "27.49 today (prorated, 14 of 28 days), 54.97 monthly from 1 March 2027",
        )],
    ),
    // The last day of the year in Los Angeles, the first of the next one in Tonga.
    (
        "2026-12-31T20:00:00Z",
        &[
            (
                "Bayside Realty",
                "1.77",
                "1.77 today (prorated, 1 of 31 days), 54.97 monthly from 1 January 2027",
            ),
            (
                "Tonga Pacific Fisheries",
                "54.97",
                "54.97 today (prorated, 31 of 31 days), 54.97 monthly from 1 February 2027",
            ),
        ],
    ),
    // DST days are one day each: Los Angeles springs forward, Paris falls back.
    (
        "2027-03-14T20:00:00Z",
        &[(
            "Bayside Realty",
            "31.92",
            "31.92 today (prorated, 18 of 31 days), 54.97 monthly from 1 April 2027",
        )],
    ),
    (
        "2026-10-25T12:00:00Z",
        &[(
            "Maison Laurent Avocats",
            "12.41",
            "12.41 today (prorated, 7 of 31 days), 54.97 monthly from 1 November 2026",
        )],
    ),
    // Pinecrest inherits its zone: the reseller's Chicago is on 1 May, Los Angeles (the platform
    // default) on 30 April.
    (
        "2027-05-01T06:00:00Z",
        &[(
            "Pinecrest Pet Hospital",
            "54.97",
            "54.97 today (prorated, 31 of 31 days), 54.97 monthly from 1 June 2027",
        )],
    ),
];

#[tokio::test]
async fn trunk_charges_at_fixed_instants_are_the_amounts_worked_out_by_hand_on_both_sides() {
    for (at, cases) in PRORATIONS {
        let Setup {
            sbx,
            dir: _dir,
            dk,
            admin,
            ..
        } = setup_on(sandbox_at(Seed::Demo, 600, at).await).await;
        for (name, today, sentence) in *cases {
            let acct = id(name);
            dk.account(acct.as_str()).await.unwrap();
            let t = dk.trunks(acct.as_str()).await.unwrap();
            let form = rise(&t);
            let preview = dk
                .preview_trunk_charges(acct.as_str(), &form)
                .await
                .unwrap()
                .expect("a rise costs");
            assert_eq!(
                (preview.proration.today, preview.sentence.as_str()),
                (d(today), *sentence),
                "{at} {name}"
            );
            dk.save_trunks(acct.as_str(), &form).await.unwrap();
            dk.push_pending().await.unwrap();
            dk.approve_charges(acct.as_str(), desk_store::DocKind::Limits)
                .await
                .unwrap();
            dk.push_pending().await.unwrap();
            assert_eq!(
                recent(&sbx, &admin, name, "prorations").await,
                [-d(today)],
                "{at} {name}: what the sandbox charged"
            );
        }
    }
}

/// An account with no zone of its own and none above it counts days in Los Angeles, the
/// platform's default.
#[tokio::test]
async fn an_account_without_any_zone_counts_days_in_the_platform_default() {
    let sbx = sandbox_at(Seed::Demo, 600, "2027-05-01T06:00:00Z").await;
    let other = someone_else(&sbx.running.base_url).await;
    for name in [DEMO_ACCOUNT_NAME, "Sakura Travel K.K."] {
        other
            .patch_account(&id(name), json!({"timezone": null}))
            .await
            .unwrap();
    }
    let Setup {
        sbx,
        dir: _dir,
        dk,
        admin,
        ..
    } = setup_on(sbx).await;
    let acct = id("Sakura Travel K.K.");
    dk.account(acct.as_str()).await.unwrap();
    let t = dk.trunks(acct.as_str()).await.unwrap();
    let preview = dk
        .preview_trunk_charges(acct.as_str(), &rise(&t))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        preview.sentence, "1.83 today (prorated, 1 of 30 days), 54.97 monthly from 1 May 2027",
        "Tokyo and Chicago are on 1 May; Los Angeles on 30 April"
    );
    dk.save_trunks(acct.as_str(), &rise(&t)).await.unwrap();
    dk.push_pending().await.unwrap();
    dk.approve_charges(acct.as_str(), desk_store::DocKind::Limits)
        .await
        .unwrap();
    dk.push_pending().await.unwrap();
    assert_eq!(
        recent(&sbx, &admin, "Sakura Travel K.K.", "prorations").await,
        [d("-1.83")]
    );
}

/// A plan assigned mid-month is billed at once for the rest of it: Kazoo 4.3's `cb_services`
/// has no dry run and no 402 for plans, so the app shows the charge before it sends. On 18
/// November in Los Angeles, 13 of 30 days of 215.00 (149.00 + 3 × 9.50 + 3 × 12.50) is
/// 93.1666… → 93.17.
#[tokio::test]
async fn a_plan_added_mid_month_is_charged_for_the_rest_of_it() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let admin = someone_else(&sbx.running.base_url).await;
    let acct = id("Bayside Realty");
    let url = format!("{}/v2/accounts/{acct}/services", sbx.running.base_url);
    let post = || {
        let body = json!({"data": {"add": ["reseller-wholesale"]}});
        raw(reqwest::Method::POST, url.clone(), Some(&admin), body)
    };
    assert_eq!(post().await.status(), 200);
    let summary = admin.service_summary(&acct).await.unwrap();
    assert_eq!(summary.plan_id.as_deref(), Some("reseller-wholesale"));
    assert_eq!(summary.recurring, d("215.00"));
    assert_eq!(
        recent(&sbx, &admin, "Bayside Realty", "prorations").await,
        [d("-93.17")]
    );
}
