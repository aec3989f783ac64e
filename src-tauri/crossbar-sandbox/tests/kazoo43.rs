//! The sandbox does what Kazoo 4.3's source does, each test named after the Kazoo function it
//! follows (2600hz/kazoo, branch 4.3). Over real HTTP, on a pinned clock.

mod common;

use common::{all_pages, demo, demo_at, now, range, reseller, DAY, GREGORIAN, NOW};
use crossbar_sandbox::platform::{Bookkeeper, Kazoo, Platform};
use crossbar_sandbox::{seed::account_id, DEMO_ACCOUNT_NAME};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn kz_ledger_public_json_dates_rows_by_period_and_strips_created() {
    let (e, t) = demo().await;
    let path = format!(
        "accounts/{}/ledgers/per-minute-voip?{}",
        reseller(),
        range(now() - 30 * DAY, now())
    );
    let (rows, _) = all_pages(&e, &path, &t).await;
    assert!(rows.len() > 50, "a month of calls: {}", rows.len());
    for r in &rows {
        assert!(
            r.get("created").is_none(),
            "kz_doc:public_fields strips pvt_created"
        );
        let start = r["period"]["start"].as_i64().unwrap();
        assert!((now() - 31 * DAY..=now()).contains(&start));
        assert_eq!(r["account"]["name"], DEMO_ACCOUNT_NAME);
        assert_eq!(r["usage"]["type"], "voice");
        assert!(r["usage"]["quantity"].as_i64().unwrap() > 0);
        assert!(r["amount"].as_f64().unwrap() < 0.0, "debits are negative");
        // j5_per_minute:metadata/1 — what Monster UI's Usage Charges reads.
        for key in [
            "from",
            "to",
            "direction",
            "caller_id_number",
            "callee_id_number",
        ] {
            assert!(r["metadata"][key].is_string(), "metadata.{key}: {r}");
        }
    }
    let (_, recurring) = e
        .get(
            &format!(
                "accounts/{}/ledgers/recurring?{}",
                reseller(),
                range(now() - 30 * DAY, now())
            ),
            &t,
        )
        .await;
    let month = &recurring["data"][0]["period"];
    assert!(month["end"].as_i64().unwrap() > month["start"].as_i64().unwrap());
}

#[tokio::test]
async fn crossbar_view_time_range_refuses_more_than_31_days_and_an_hour() {
    let (e, t) = demo().await;
    let max = 31 * DAY + 3_600;
    for path in ["ledgers", "ledgers/payments", "transactions"] {
        let url =
            |from: i64, to: i64| format!("accounts/{}/{path}?{}", reseller(), range(from, to));
        let (s, body) = e.get(&url(now() - max - 1, now()), &t).await;
        assert_eq!(s, 400, "{path}");
        let rule = &body["data"]["created_from"]["date_range"];
        assert!(
            rule["message"].as_str().unwrap().contains("2682000"),
            "{body}"
        );
        assert!(body["data"].get("created_to").is_none());
        let (s, _) = e.get(&url(now() - max, now()), &t).await;
        assert_eq!(s, 200, "{path}: exactly the maximum is allowed");
        let (s, body) = e.get(&url(now(), now() - 10), &t).await;
        assert_eq!(s, 400);
        assert!(body["data"]["created_from"]["date_range"]["message"]
            .as_str()
            .unwrap()
            .contains("prior to"));
    }
    // No range: the last 31 days and an hour, up to now.
    let (s, body) = e
        .get(
            &format!(
                "accounts/{}/ledgers/per-minute-voip?paginate=false",
                reseller()
            ),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let oldest = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"]["start"].as_i64().unwrap())
        .min()
        .unwrap();
    assert!(oldest >= now() - max);
}

#[tokio::test]
async fn crossbar_view_load_modb_pages_at_50_newest_first() {
    let (e, t) = demo().await;
    let path = format!(
        "accounts/{}/ledgers/per-minute-voip?{}",
        reseller(),
        range(now() - 31 * DAY, now())
    );
    let (rows, sizes) = all_pages(&e, &path, &t).await;
    assert!(sizes.len() >= 2, "more than one page");
    // Chunked: `api_util:close_chunk_json_envelope` writes the paging values as text.
    assert_eq!(sizes[0], json!("50"));
    let starts: Vec<i64> = rows
        .iter()
        .map(|r| r["period"]["start"].as_i64().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "descending");
    let ids: std::collections::HashSet<_> = rows.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids.len(), rows.len(), "no row twice");
    // Transactions page too (not chunked: an integer page size).
    let tx = format!(
        "accounts/{}/transactions?{}&page_size=1",
        reseller(),
        range(now() - 31 * DAY, now())
    );
    let (rows, sizes) = all_pages(&e, &tx, &t).await;
    assert!(rows.len() >= 2);
    assert_eq!(sizes[0], json!(1));
    for r in &rows {
        // The `list_by_timestamp` view keeps `created` and flattens the bookkeeper's result.
        assert!(r["created"].as_i64().is_some());
        assert!(r["bookkeeper"]["status"].is_string());
    }
}

#[tokio::test]
async fn crossbar_filter_keeps_and_drops_rows_by_stored_fields() {
    let (e, t) = demo().await;
    let base = format!(
        "accounts/{}/ledgers/payments?{}",
        reseller(),
        range(now() - 31 * DAY, now())
    );
    let (_, all) = e.get(&base, &t).await;
    let (_, manual) = e
        .get(&format!("{base}&filter_executor.trigger=manual"), &t)
        .await;
    let (_, not_manual) = e
        .get(&format!("{base}&filter_not_executor.trigger=manual"), &t)
        .await;
    let n = |b: &Value| b["data"].as_array().unwrap().len();
    assert!(n(&manual) >= 1);
    assert!(manual["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["executor"]["trigger"] == "manual"));
    assert_eq!(n(&manual) + n(&not_manual), n(&all));
    // Amounts compare in units, as stored: 200.00 dollars is 2000000.
    let (_, by_amount) = e.get(&format!("{base}&filter_amount=2000000"), &t).await;
    assert!(by_amount["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["amount"] == 200.0));
    assert!(n(&by_amount) >= 1);
}

#[tokio::test]
async fn cb_accounts_maybe_import_enabled_reenables_on_a_patch_without_enabled() {
    let (e, t) = demo().await;
    let id = account_id("Bayside Realty");
    let url = format!("accounts/{id}");
    let (s, _) = e
        .req(
            Method::PATCH,
            &url,
            &t,
            Some(json!({"data": {"enabled": false}})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(e.get(&url, &t).await.1["data"]["enabled"], false);
    // The schema default (`enabled: true`) fills the validated document.
    let (s, _) = e
        .req(
            Method::PATCH,
            &url,
            &t,
            Some(json!({"data": {"name": "Bayside Realty Group"}})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        e.get(&url, &t).await.1["data"]["enabled"],
        true,
        "re-enabled"
    );
    // Sending it as last read keeps it.
    e.req(
        Method::PATCH,
        &url,
        &t,
        Some(json!({"data": {"enabled": false}})),
    )
    .await;
    e.req(
        Method::PATCH,
        &url,
        &t,
        Some(json!({"data": {"name": "Bayside Realty", "enabled": false}})),
    )
    .await;
    assert_eq!(e.get(&url, &t).await.1["data"]["enabled"], false);
}

#[tokio::test]
async fn kzd_accounts_ensure_account_has_timezone_never_stores_inherit() {
    let (e, t) = demo().await;
    let id = account_id("Acme Dental — Brooklyn Office");
    let url = format!("accounts/{id}");
    let (_, parent) = e
        .get(&format!("accounts/{}", account_id("Acme Dental Group")), &t)
        .await;
    let (s, saved) = e
        .req(
            Method::PATCH,
            &url,
            &t,
            Some(json!({"data": {"timezone": "inherit"}})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        saved["data"]["timezone"], parent["data"]["timezone"],
        "the parent's zone, copied"
    );
    // A POST validates the body alone (no tree): the system default.
    let mut doc = saved["data"].clone();
    doc["timezone"] = json!("inherit");
    let (s, posted) = e
        .req(Method::POST, &url, &t, Some(json!({"data": doc})))
        .await;
    assert_eq!(s, 200);
    assert_eq!(posted["data"]["timezone"], "America/Los_Angeles");
}

#[tokio::test]
async fn cb_user_auth_find_account_tries_the_realm_then_the_name() {
    let (e, t) = demo().await;
    let (_, me) = e.get(&format!("accounts/{}", reseller()), &t).await;
    let realm = me["data"]["realm"].as_str().unwrap();
    let login = |data: Value| {
        let e = &e;
        async move {
            let mut data = data;
            data["credentials"] = json!(common::creds("admin", "demo"));
            let res = e
                .http
                .put(e.url("user_auth"))
                .json(&json!({"data": data}))
                .send()
                .await
                .unwrap();
            res.status().as_u16()
        }
    };
    assert_eq!(
        login(json!({"account_realm": realm, "account_name": realm})).await,
        201
    );
    assert_eq!(
        login(json!({"account_realm": DEMO_ACCOUNT_NAME, "account_name": DEMO_ACCOUNT_NAME})).await,
        201
    );
    assert_eq!(
        login(json!({"account_realm": "nowhere.example", "account_name": "Nobody"})).await,
        401
    );
}

#[tokio::test]
async fn kz_services_summary_billing_cycle_is_midnight_utc() {
    // 20:00 UTC on 30 November is already 1 December in Kiritimati; the cycle still follows UTC.
    let e = demo_at("2026-11-30T20:00:00Z", Platform::default()).await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let (_, summary) = e
        .get(&format!("accounts/{}/services/summary", reseller()), &t)
        .await;
    let next = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .unwrap()
        .timestamp()
        + GREGORIAN;
    assert_eq!(
        summary["data"]["billing_cycle"],
        json!({"next": next, "period": 1, "unit": "month"})
    );
    // Plans are keyed by ID; the invoice's plan has no id or name.
    assert!(summary["data"]["plans"]
        .as_object()
        .unwrap()
        .contains_key("reseller-wholesale"));
    assert!(summary["data"]["invoices"][0]["plan"].get("name").is_none());
    let (_, available) = e
        .get(&format!("accounts/{}/services/available", reseller()), &t)
        .await;
    assert!(available["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == "reseller-wholesale" && p["name"].is_string()));
}

#[tokio::test]
async fn cb_accounts_children_rows_carry_counts_and_descendants_carry_trees() {
    let (e, t) = demo().await;
    let (_, children) = e
        .get(&format!("accounts/{}/children", reseller()), &t)
        .await;
    let rows = children["data"].as_array().unwrap();
    assert!(rows
        .iter()
        .all(|r| r.get("tree").is_none() && r["descendants_count"].is_u64()));
    let acme = rows
        .iter()
        .find(|r| r["name"] == "Acme Dental Group")
        .unwrap();
    assert_eq!(acme["descendants_count"], 2);
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "keyed by name");
    let (_, descendants) = e
        .get(
            &format!("accounts/{}/descendants?paginate=false", reseller()),
            &t,
        )
        .await;
    assert!(descendants["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["tree"].is_array()));
}

#[tokio::test]
async fn kazoo_42_has_no_total_topup_or_summary_and_answers_current_balance() {
    let e = demo_at(
        NOW,
        Platform {
            kazoo: Kazoo::V42,
            bookkeeper: Bookkeeper::Braintree,
        },
    )
    .await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let (s, total) = e
        .get(&format!("accounts/{}/ledgers/total", reseller()), &t)
        .await;
    assert_eq!(s, 200);
    assert_eq!(total["version"], "4.2.57");
    assert_eq!(
        total["data"],
        json!([]),
        "4.2 takes `total` for a ledger source"
    );
    let (s, _) = e
        .req(
            Method::POST,
            &format!("accounts/{}/services/topup", reseller()),
            &t,
            Some(json!({"data": {"amount": 10}})),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = e
        .get(&format!("accounts/{}/services/summary", reseller()), &t)
        .await;
    assert_eq!(s, 404);
    let (s, balance) = e
        .get(
            &format!("accounts/{}/transactions/current_balance", reseller()),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    assert!(balance["data"]["balance"].is_number());
    let v43 = demo_at(NOW, Platform::default()).await;
    let t = v43.login_as(DEMO_ACCOUNT_NAME).await;
    let (_, total) = v43
        .get(&format!("accounts/{}/ledgers/total", reseller()), &t)
        .await;
    assert_eq!(total["version"], "4.3.142");
}

/// `cb_accounts` PUT → `kzd_accounts:validate/3`: names are unique platform-wide as
/// `normalize_name/1` reads them (lower case, letters and digits only), realms in any case; a
/// missing realm is `random_realm/0` (six hex digits and the platform's suffix, not the
/// parent's realm) and a missing zone the system default, not the parent's. 201 with
/// `Location`. `cb_accounts:validate_delete_request/2` then refuses to delete an account with a
/// sub-account (500 `account_has_descendants`) and deletes a leaf.
#[tokio::test]
async fn kzd_accounts_validate_creates_a_sub_account_and_delete_refuses_a_parent() {
    let (e, t) = demo().await;
    let parent = account_id("Maison Laurent Avocats"); // Europe/Paris, no sub-accounts
    let put = |data: Value| {
        let path = format!("accounts/{parent}");
        let (e, t) = (&e, &t);
        async move {
            e.req(Method::PUT, &path, t, Some(json!({ "data": data })))
                .await
        }
    };
    let (s, clash) = put(json!({"name": "MAISON laurent-avocats"})).await;
    assert_eq!(s, 400, "{clash}");
    assert_eq!(
        clash["data"]["name"]["unique"]["message"],
        "Account name already in use"
    );
    let (s, clash) =
        put(json!({"name": "Laurent Lyon", "realm": "MAISON-LAURENT.SIP.deskdemo.net"})).await;
    assert_eq!(s, 400, "{clash}");
    assert_eq!(
        clash["data"]["realm"]["unique"]["message"],
        "Account realm already in use"
    );

    let res = e
        .http
        .put(e.url(&format!("accounts/{parent}")))
        .header("X-Auth-Token", &t)
        .json(&json!({"data": {"name": "Laurent Lyon"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(location, id);
    let realm = created["data"]["realm"].as_str().unwrap();
    let (label, suffix) = realm.split_once('.').unwrap();
    assert!(
        label.len() == 6 && label.chars().all(|c| c.is_ascii_hexdigit()),
        "{realm}"
    );
    assert_eq!(suffix, "sip.deskdemo.net");
    assert_eq!(created["data"]["timezone"], "America/Los_Angeles");
    assert_eq!(created["data"]["enabled"], true);
    let (_, kids) = e.get(&format!("accounts/{parent}/children"), &t).await;
    assert!(kids["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["id"] == id.as_str()));

    let (s, refused) = e
        .req(Method::DELETE, &format!("accounts/{parent}"), &t, None)
        .await;
    assert_eq!(s, 500);
    assert_eq!(refused["message"], "account_has_descendants");
    let (s, deleted) = e
        .req(Method::DELETE, &format!("accounts/{id}"), &t, None)
        .await;
    assert_eq!(s, 200, "{deleted}");
    assert_eq!(deleted["data"]["_read_only"]["deleted"], true);
    assert_eq!(e.get(&format!("accounts/{id}"), &t).await.0, 404);
}

/// `cb_services:post/1,2` (4.3): the reseller assigns a plan with no dry run and no 402 — the
/// bookkeeper bills the rest of the month at once; an ID the reseller does not offer is
/// `bad_identifier` (`check_plan_id/3`), deleting a plan not assigned `plan_is_not_assigned`
/// (`maybe_forbid_delete/2`). `kzd_users:maybe_rehash_creds/1`: a new user with a name needs a
/// password, which never comes back.
#[tokio::test]
async fn cb_services_assigns_plans_without_a_dry_run_and_kzd_users_needs_a_password() {
    let (e, t) = demo().await;
    let parent = account_id(DEMO_ACCOUNT_NAME);
    let (s, made) = e
        .req(
            Method::PUT,
            &format!("accounts/{parent}"),
            &t,
            Some(json!({"data": {"name": "Harbor Dental", "timezone": "America/Chicago"}})),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    let id = made["data"]["id"].as_str().unwrap().to_owned();

    let (s, offered) = e
        .get(
            &format!("accounts/{id}/services/available?details=true"),
            &t,
        )
        .await;
    assert_eq!(s, 200);
    let standard = offered["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "pbx-standard")
        .unwrap();
    assert_eq!(standard["plan"]["account"]["hosted_pbx"]["rate"], 29.0);

    let (s, unknown) = e
        .req(
            Method::POST,
            &format!("accounts/{id}/services/no-such-plan"),
            &t,
            Some(json!({"data": {}})),
        )
        .await;
    assert_eq!(
        (s, unknown["message"].as_str()),
        (404, Some("bad_identifier"))
    );
    let (s, not_assigned) = e
        .req(
            Method::POST,
            &format!("accounts/{id}/services"),
            &t,
            Some(json!({"data": {"delete": ["pbx-standard"]}})),
        )
        .await;
    assert_eq!(
        (s, not_assigned["message"].as_str()),
        (500, Some("plan_is_not_assigned"))
    );

    // No 402 first: assigned at once, 13 of 30 days of 29.00 (18 November in Chicago) billed.
    let (s, plans) = e
        .req(
            Method::POST,
            &format!("accounts/{id}/services/pbx-standard"),
            &t,
            Some(json!({"data": {}})),
        )
        .await;
    assert_eq!(s, 200, "{plans}");
    assert_eq!(plans["data"]["pbx-standard"]["vendor_id"], parent.as_str());
    let (_, total) = e.get(&format!("accounts/{id}/ledgers/total"), &t).await;
    assert_eq!(total["data"]["amount"], -12.57);
    let (s, again) = e
        .req(
            Method::POST,
            &format!("accounts/{id}/services"),
            &t,
            Some(json!({"data": {"add": [{"id": "pbx-standard"}]}})),
        )
        .await;
    assert_eq!(s, 200, "{again}");
    let (_, total) = e.get(&format!("accounts/{id}/ledgers/total"), &t).await;
    assert_eq!(
        total["data"]["amount"], -12.57,
        "the same plan again bills nothing"
    );

    let users = format!("accounts/{id}/users");
    let (s, refused) = e
        .req(Method::PUT, &users, &t, Some(json!({"data": {"first_name": "Ines", "last_name": "Okafor", "username": "Ines.Okafor"}})))
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        refused["data"]["password"]["required"]["message"],
        "The password must be provided when creating / updating the user name"
    );
    let (s, user) = e
        .req(Method::PUT, &users, &t, Some(json!({"data": {"first_name": "Ines", "last_name": "Okafor", "username": "Ines.Okafor", "password": "tide-pool-ledger-42", "priv_level": "admin"}})))
        .await;
    assert_eq!(s, 201, "{user}");
    assert_eq!(user["data"]["username"], "ines.okafor");
    assert!(user["data"].get("password").is_none());
    let (s, named) = e
        .req(Method::PUT, &users, &t, Some(json!({"data": {"first_name": "No", "last_name": "Name", "password": "x-123456789"}})))
        .await;
    assert_eq!(s, 201);
    assert!(named["data"]["username"]
        .as_str()
        .unwrap()
        .starts_with("user_"));
}
