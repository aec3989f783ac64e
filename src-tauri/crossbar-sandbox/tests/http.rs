//! The sandbox over real HTTP, checked against Kazoo's documented behaviour with a plain HTTP
//! client (not Account Desk's), so the two sides stay independent.

mod common;

use common::{creds, env, reseller};
use crossbar_sandbox::{seed::account_id, start, Config, Seed, DEMO_ACCOUNT_NAME};
use md5::Digest;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn user_auth_accepts_md5_and_sha_by_name_or_realm() {
    let e = env(Seed::Demo, 60).await;
    let sha = hex::encode(<sha1::Sha1 as Digest>::digest(b"admin:demo"));
    for data in [
        json!({"credentials": creds("admin", "demo"), "account_name": "demo reseller"}),
        json!({"credentials": sha, "method": "sha", "account_realm": "DEMO-RESELLER.sip.deskdemo.net"}),
    ] {
        let res = e
            .http
            .put(e.url("user_auth"))
            .json(&json!({ "data": data }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"], "success");
        assert_eq!(body["data"]["account_id"], reseller());
        assert_eq!(body["auth_token"].as_str().unwrap().split('.').count(), 3);
    }
    let bad = e.http.put(e.url("user_auth")).json(&json!({"data": {"credentials": creds("admin", "nope"), "account_name": DEMO_ACCOUNT_NAME}})).send().await.unwrap();
    assert_eq!(bad.status(), 401);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(
        (body["error"].as_str(), body["message"].as_str()),
        (Some("401"), Some("invalid_credentials"))
    );
    let unknown = e
        .http
        .put(e.url("user_auth"))
        .json(
            &json!({"data": {"credentials": creds("admin", "demo"), "account_name": "Nobody Inc"}}),
        )
        .send()
        .await
        .unwrap();
    // `cb_user_auth:maybe_authenticate_user/1` drops the lookup's error: 401, not 400.
    assert_eq!(unknown.status(), 401);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["message"], "invalid_credentials");
}

#[tokio::test]
async fn api_key_login_and_non_sliding_expiry() {
    let e = env(Seed::Demo, 2).await;
    let token = e.login_as(DEMO_ACCOUNT_NAME).await;
    let (s, body) = e
        .req(
            reqwest::Method::GET,
            &format!("accounts/{}/api_key", reseller()),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 200);
    let key = body["data"]["api_key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 64);
    let res = e
        .http
        .put(e.url("api_auth"))
        .json(&json!({"data": {"api_key": key}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // Used constantly, the token still dies at its TTL.
    for _ in 0..3 {
        let (s, _) = e
            .req(
                reqwest::Method::GET,
                &format!("accounts/{}", reseller()),
                &token,
                None,
            )
            .await;
        assert_eq!(s, 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (s, body) = e
        .req(
            reqwest::Method::GET,
            &format!("accounts/{}", reseller()),
            &token,
            None,
        )
        .await;
    assert_eq!(s, 401);
    assert_eq!(body["error"], "401");
}

#[tokio::test]
async fn patch_merges_null_removes_and_unknown_keys_survive() {
    let e = env(Seed::Demo, 60).await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let id = account_id("Legacy Imports Ltd");
    let path = format!("accounts/{id}");
    let (s, body) = e.req(reqwest::Method::PATCH, &path, &t, Some(json!({"data": {"contact": {"technical": {"name": "Ops"}}, "format_from_uri": null, "new_key": {"a": 1}}}))).await;
    assert_eq!(s, 200, "{body}");
    let d = &body["data"];
    assert_eq!(d["contact"]["technical"]["name"], "Ops");
    assert_eq!(
        d["contact"]["technical"]["number"], "555-CALL-NOW",
        "siblings kept"
    );
    assert_eq!(d["contact"]["billing"]["name"], "Accounts Payable");
    assert!(d.get("format_from_uri").is_none());
    assert_eq!(d["legacy_crm_id"], "CRM-00917");
    assert_eq!(d["new_key"]["a"], 1);
    assert!(body["revision"].as_str().unwrap().starts_with("2-"));
}

#[tokio::test]
async fn validation_errors_are_keyed_by_field_and_rule() {
    let e = env(Seed::Demo, 60).await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let path = format!("accounts/{}", account_id("Bayside Realty"));
    let (s, body) = e
        .req(
            reqwest::Method::PATCH,
            &path,
            &t,
            Some(json!({"data": {"realm": "BAYSIDE.sip.deskdemo.net", "name": "bayside realty"}})),
        )
        .await;
    assert_eq!(
        s, 200,
        "renaming itself in another case is not a clash: {body}"
    );
    let (s, body) = e
        .req(
            reqwest::Method::PATCH,
            &path,
            &t,
            Some(json!({"data": {"realm": "acme-dental.SIP.deskdemo.net"}})),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(body["message"], "validation error");
    assert_eq!(
        body["data"]["realm"]["unique"]["cause"],
        "acme-dental.SIP.deskdemo.net"
    );
    let (_, body) = e
        .req(
            reqwest::Method::PATCH,
            &path,
            &t,
            Some(json!({"data": {"name": "ACME Dental Group!"}})),
        )
        .await;
    assert!(body["data"]["name"]["unique"].is_object());
    let (_, body) = e
        .req(
            reqwest::Method::PATCH,
            &path,
            &t,
            Some(json!({"data": {"name": "", "realm": "a b", "timezone": "UTC"}})),
        )
        .await;
    assert_eq!(body["data"]["name"]["minLength"]["target"], 1);
    assert!(
        body["data"]["realm"]["minLength"].is_object(),
        "spaces stripped: 'ab' is too short"
    );
    assert!(body["data"]["timezone"]["minLength"].is_object());
    let (s, body) = e
        .req(
            reqwest::Method::POST,
            &path,
            &t,
            Some(json!({"data": {"name": "x".repeat(129)}})),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(body["data"]["name"]["maxLength"]["target"], 128);
}

#[tokio::test]
async fn tokens_cannot_reach_outside_their_subtree() {
    let e = env(Seed::Demo, 60).await;
    let t = e.login_as("Bayside Realty").await;
    let (s, body) = e
        .req(
            reqwest::Method::GET,
            &format!("accounts/{}", reseller()),
            &t,
            None,
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(body["message"], "forbidden");
    let (s, body) = e
        .req(
            reqwest::Method::GET,
            "accounts/0123456789abcdef0123456789abcdef",
            &t,
            None,
        )
        .await;
    assert_eq!((s, body["message"].as_str()), (404, Some("bad_identifier")));
    let (s, _) = e
        .req(
            reqwest::Method::GET,
            &format!("accounts/{}", reseller()),
            "",
            None,
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn only_the_reseller_posts_limits_and_rises_need_consent() {
    let e = env(Seed::Demo, 60).await;
    let sub = account_id("Bayside Realty");
    let path = format!("accounts/{sub}/limits");
    let own = e.login_as("Bayside Realty").await;
    let (s, current) = e.req(reqwest::Method::GET, &path, &own, None).await;
    assert_eq!(s, 200);
    assert_eq!(current["data"]["inbound_trunks"], 3);
    let (s, _) = e
        .req(
            reqwest::Method::POST,
            &path,
            &own,
            Some(json!({"data": {"inbound_trunks": 1}})),
        )
        .await;
    assert_eq!(s, 403, "a sub-account admin cannot change its own limits");

    let r = e.login_as(DEMO_ACCOUNT_NAME).await;
    let raise = json!({"data": {"inbound_trunks": 5, "outbound_trunks": 3, "twoway_trunks": 0, "allow_prepay": true}});
    let (s, body) = e
        .req(reqwest::Method::POST, &path, &r, Some(raise.clone()))
        .await;
    assert_eq!(s, 402);
    assert_eq!(body["message"], "accept charges");
    let item = &body["data"][0]["items"][0];
    assert_eq!(
        (item["item"].as_str(), item["quantity"].as_i64()),
        (Some("inbound_trunks"), Some(5))
    );
    // `kz_services_items:maybe_annotate/4`: proposed − current; `summary.today` is the
    // activation charges (`kz_services_invoice:public_json/1`), none on this plan.
    assert_eq!(item["changes"]["difference"]["quantity"], 2);
    assert_eq!(body["data"][0]["summary"]["today"].as_f64(), Some(0.0));
    assert!(body["data"][0]["plan"]["limits"]["inbound_trunks"]["rate"].is_number());
    let (_, unchanged) = e.req(reqwest::Method::GET, &path, &r, None).await;
    assert_eq!(
        unchanged["data"]["inbound_trunks"], 3,
        "nothing stored without consent"
    );
    let mut accepted = raise.clone();
    accepted["accept_charges"] = true.into();
    let (s, body) = e
        .req(reqwest::Method::POST, &path, &r, Some(accepted))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["data"]["inbound_trunks"], 5);
    let (s, _) = e
        .req(
            reqwest::Method::POST,
            &path,
            &r,
            Some(json!({"data": {"inbound_trunks": 2}})),
        )
        .await;
    assert_eq!(s, 200, "lowering needs no consent");
    let (s, body) = e
        .req(
            reqwest::Method::POST,
            &path,
            &r,
            Some(json!({"data": {"inbound_trunks": -1, "outbound_trunks": 1.5}})),
        )
        .await;
    assert_eq!(s, 400);
    assert!(body["data"]["inbound_trunks"]["minimum"].is_object());
    assert!(body["data"]["outbound_trunks"]["type"].is_object());
}

#[tokio::test]
async fn descendants_paginate_with_opaque_start_keys() {
    let e = env(Seed::Scale(120), 60).await;
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let mut key: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    loop {
        let mut url = format!("accounts/{}/descendants?page_size=50", reseller());
        if let Some(k) = &key {
            url.push_str(&format!("&start_key={k}"));
        }
        let (s, body) = e.req(reqwest::Method::GET, &url, &t, None).await;
        assert_eq!(s, 200);
        pages += 1;
        for row in body["data"].as_array().unwrap() {
            assert!(
                seen.insert(row["id"].as_str().unwrap().to_owned()),
                "no duplicates across pages"
            );
            assert!(row["tree"].as_array().unwrap().len() >= 2);
        }
        match body.get("next_start_key").and_then(Value::as_str) {
            Some(k) => key = Some(k.to_owned()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (120, 3));
    let (_, all) = e
        .req(
            reqwest::Method::GET,
            &format!("accounts/{}/children?paginate=false", reseller()),
            &t,
            None,
        )
        .await;
    assert_eq!(
        all["data"].as_array().unwrap().len(),
        12,
        "every tenth account is a direct child"
    );
}

#[tokio::test]
async fn state_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let sbx = start(Config::new(dir.path(), Seed::Demo)).await.unwrap();
    let http = reqwest::Client::new();
    let login =
        json!({"data": {"credentials": creds("admin", "demo"), "account_name": DEMO_ACCOUNT_NAME}});
    let body: Value = http
        .put(format!("{}/v2/user_auth", sbx.base_url))
        .json(&login)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["auth_token"].as_str().unwrap().to_owned();
    let path = format!("/v2/accounts/{}", account_id("Sakura Travel K.K."));
    let res = http
        .patch(format!("{}{path}", sbx.base_url))
        .header("X-Auth-Token", &token)
        .json(&json!({"data": {"name": "Sakura Travel KK"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    sbx.stop().await;
    let sbx = start(Config::new(dir.path(), Seed::Empty)).await.unwrap();
    let body: Value = http
        .get(format!("{}{path}", sbx.base_url))
        .header("X-Auth-Token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["data"]["name"], "Sakura Travel KK",
        "edit and token survive; the seed flag is ignored"
    );
}

#[tokio::test]
async fn unknown_routes_are_faulty_requests() {
    let e = env(Seed::Demo, 60).await;
    let res = e.http.get(e.url("nothing/here")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "faulty_request");
    let res = e
        .http
        .put(e.url("user_auth"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn absurd_clock_jumps_and_amounts_are_refused_not_obeyed() {
    let e = env(Seed::Demo, 3600).await;
    let clock = format!("{}/sandbox/clock", e.sbx.base_url);
    for body in [
        json!({"data": {"advance_seconds": 1_000_000_000_000_i64}}),
        json!({"data": {"unix": i64::MAX}}),
        json!({"data": {"advance_seconds": -1}}),
    ] {
        let res = e.http.put(&clock).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 400, "{body}");
    }
    let t = e.login_as(DEMO_ACCOUNT_NAME).await;
    let sub = account_id("Bayside Realty");
    let (s, body) = e
        .req(
            reqwest::Method::PUT,
            &format!("accounts/{sub}/ledgers/credit"),
            &t,
            Some(json!({"data": {"amount": 1e27, "description": "overflow"}})),
        )
        .await;
    assert_eq!(s, 400, "{body}");
    assert!(body["data"]["amount"]["maximum"].is_object());
    // Still serving.
    let (s, _) = e.get(&format!("accounts/{sub}/ledgers/total"), &t).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn the_in_app_demo_answers_only_this_app() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::new(dir.path(), Seed::Demo);
    cfg.local_only = true;
    let sbx = start(cfg).await.unwrap();
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", sbx.base_url);
    // Another name that resolves here (DNS rebinding) is refused.
    let res = http
        .get(url("/v2/whitelabel/domains"))
        .header("Host", "evil.example:80")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 421);
    // No CORS for any origin, and no clock to move.
    let res = http
        .put(url("/v2/user_auth"))
        .header("Origin", "https://evil.example")
        .json(&json!({"data": {"credentials": creds("admin", "demo"), "account_name": DEMO_ACCOUNT_NAME}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let res = http
        .put(url("/sandbox/clock"))
        .json(&json!({"data": {"advance_seconds": 60}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
