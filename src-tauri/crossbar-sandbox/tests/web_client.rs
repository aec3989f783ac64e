//! The sandbox as Kazoo's web client (Monster UI) sees it: a browser on another origin, over
//! real HTTP with a plain client. CORS preflights, JWT-shaped tokens that expire, users,
//! the app store, callflows, and 404s (never 401 or 5xx) for what the sandbox lacks.

mod common;

use common::web::{base64url_decode, Web, ORIGIN};
use common::{env_pinned, reseller, NOW};
use crossbar_sandbox::{seed::account_id, Seed, DEMO_ACCOUNT_NAME, DEMO_PASSWORD, DEMO_USERNAME};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn preflights_and_responses_carry_cors_headers_and_no_cookies() {
    let sbx = env_pinned(Seed::Demo, 60).await;
    let web = Web::new(&sbx);
    let path = format!("accounts/{}", reseller());
    let pre = web
        .http
        .request(Method::OPTIONS, web.url(&path))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "PATCH")
        .header(
            "Access-Control-Request-Headers",
            "content-type, x-auth-token, x-kazoo-cluster-id",
        )
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success(), "{}", pre.status());
    let h = |name: &str| {
        pre.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(h("access-control-allow-origin"), ORIGIN);
    for m in ["GET", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"] {
        assert!(h("access-control-allow-methods").contains(m), "{m}");
    }
    let allowed = h("access-control-allow-headers").to_lowercase();
    for wanted in [
        "content-type",
        "x-auth-token",
        "authorization",
        "x-kazoo-cluster-id",
    ] {
        assert!(allowed.contains(wanted), "{wanted} in {allowed}");
    }
    assert!(h("access-control-max-age").parse::<u64>().unwrap() > 0);
    assert!(pre
        .headers()
        .get("access-control-allow-credentials")
        .is_none());
    // Every path answers a preflight, even one the sandbox does not serve, without a token.
    let pre = web
        .http
        .request(Method::OPTIONS, web.url("accounts/x/vmboxes"))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success());

    // Sign-in: the token comes back in the body and is readable from a script; no cookie.
    let auth = web
        .login_as(DEMO_ACCOUNT_NAME, DEMO_USERNAME, DEMO_PASSWORD)
        .await;
    assert_eq!(auth.status, StatusCode::CREATED);
    assert_eq!(auth.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(auth.headers.get("set-cookie").is_none());
    let token = auth.body["auth_token"].as_str().unwrap().to_owned();

    let got = web.get(&path, &token).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("access-control-allow-origin"), Some(ORIGIN));
    let exposed = got
        .header("access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    for wanted in ["x-auth-token", "etag", "x-request-id"] {
        assert!(exposed.contains(wanted), "{wanted} in {exposed}");
    }
    assert_eq!(
        got.header("x-request-id"),
        got.body["request_id"].as_str(),
        "the header names the envelope's request"
    );
    let etag = format!("\"{}\"", got.body["revision"].as_str().unwrap());
    assert_eq!(got.header("etag"), Some(etag.as_str()));
    assert!(got.headers.get("set-cookie").is_none());

    // Errors are readable cross-origin too (a browser hides them otherwise).
    let denied = web.get(&path, "not-a-token").await;
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
    assert_eq!(denied.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(denied.body["error"], "401");
}

#[tokio::test]
async fn tokens_are_jwt_shaped_and_still_expire_after_their_ttl() {
    let sbx = env_pinned(Seed::Demo, 2).await;
    let web = Web::new(&sbx);
    let auth = web
        .login_as(DEMO_ACCOUNT_NAME, DEMO_USERNAME, DEMO_PASSWORD)
        .await;
    assert_eq!(auth.status, StatusCode::CREATED);
    // The envelope's timestamp is the server's time (Kazoo: `api_util:do_create_resp_envelope/1`):
    // the sandbox clock, pinned at NOW.
    let stamp = auth.body["timestamp"].as_str().unwrap_or_default();
    assert!(stamp.starts_with(&NOW[..15]), "{stamp} vs {}", NOW);
    let token = auth.body["auth_token"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "header.claims.signature: {token}");
    assert!(parts.iter().all(|p| !p.is_empty()));
    let header: Value = serde_json::from_slice(&base64url_decode(parts[0])).unwrap();
    assert_eq!(header["typ"], "JWT");
    let claims: Value = serde_json::from_slice(&base64url_decode(parts[1])).unwrap();
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp, iat + 2, "exp = iat + TTL: {claims}");
    assert_eq!(claims["account_id"], reseller());
    assert_eq!(claims["owner_id"], auth.body["data"]["owner_id"]);

    // Monster UI resumes a session by asking about its stored token.
    let info = web
        .send(
            Method::POST,
            "auth/tokeninfo",
            None,
            Some(json!({"data": {"token": token}})),
        )
        .await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.body);
    assert_eq!(info.body["data"]["owner_id"], auth.body["data"]["owner_id"]);
    assert_eq!(info.body["auth_token"], token.as_str());

    let path = format!("accounts/{}", reseller());
    assert_eq!(web.get(&path, &token).await.status, StatusCode::OK);
    // Past exp (whole seconds, on the sandbox's clock), the token is refused however recently
    // it was used.
    // (The sandbox's clock counts whole seconds, so it may read up to one ahead of ours.)
    assert!(
        exp <= sbx.now().await + 3,
        "exp {exp} now {}",
        sbx.now().await
    );
    sbx.advance(3).await;
    let late = web.get(&path, &token).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert_eq!(late.body["error"], "401");
    let info = web
        .send(
            Method::GET,
            &format!("auth/tokeninfo?token={token}"),
            None,
            None,
        )
        .await;
    assert_eq!(info.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn users_list_and_read_with_names_priv_level_and_ui_flags() {
    let sbx = env_pinned(Seed::Demo, 60).await;
    let web = Web::new(&sbx);
    let auth = web
        .login_as(DEMO_ACCOUNT_NAME, DEMO_USERNAME, DEMO_PASSWORD)
        .await;
    let token = auth.body["auth_token"].as_str().unwrap().to_owned();
    let owner = auth.body["data"]["owner_id"].as_str().unwrap().to_owned();

    let all = web
        .get(
            &format!("accounts/{}/users?paginate=false", reseller()),
            &token,
        )
        .await;
    assert_eq!(all.status, StatusCode::OK);
    let users = all.body["data"].as_array().unwrap().clone();
    assert!(all.body.get("next_start_key").is_none());
    assert!(users.len() >= 3, "admin, auditor and a plain user");
    assert!(users
        .iter()
        .all(|u| u["first_name"].as_str().is_some_and(|n| !n.is_empty())
            && u["last_name"].as_str().is_some_and(|n| !n.is_empty())));
    assert!(users.iter().any(|u| u["priv_level"] == "admin"));
    assert!(users.iter().any(|u| u["priv_level"] == "user"));
    assert!(
        users
            .iter()
            .all(|u| u.get("md5").is_none() && u.get("password").is_none()),
        "credentials never leave the server"
    );

    // Paged one at a time, the same users come back.
    let mut seen = Vec::new();
    let mut start = String::new();
    loop {
        let page = web
            .get(
                &format!(
                    "accounts/{}/users?page_size=1&start_key={start}",
                    reseller()
                ),
                &token,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        seen.extend(page.body["data"].as_array().unwrap().iter().cloned());
        match page.body["next_start_key"].as_str() {
            Some(k) => start = k.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, users);

    // The signed-in user, as Monster UI loads it right after sign-in.
    let me = web
        .get(&format!("accounts/{}/users/{owner}", reseller()), &token)
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["data"]["id"], owner.as_str());
    assert_eq!(me.body["data"]["username"], DEMO_USERNAME);
    assert_eq!(me.body["data"]["priv_level"], "admin");
    assert_eq!(me.body["data"]["first_name"], "Dana");
    assert_eq!(me.body["data"]["last_name"], "Whitfield");
    assert!(me.body["data"]["ui_flags"].is_object());
    let etag = format!("\"{}\"", me.body["revision"].as_str().unwrap());
    assert_eq!(me.header("etag"), Some(etag.as_str()));

    let ghost = web
        .get(
            &format!(
                "accounts/{}/users/0123456789abcdef0123456789abcdef",
                reseller()
            ),
            &token,
        )
        .await;
    assert_eq!(ghost.status, StatusCode::NOT_FOUND);
    assert_eq!(ghost.body["message"], "bad_identifier");
}

#[tokio::test]
async fn creating_and_patching_a_user_round_trips_and_survives_a_restart() {
    let sbx = env_pinned(Seed::Demo, 60).await;
    let web = Web::new(&sbx);
    let token = web.token().await;
    let users = format!("accounts/{}/users", reseller());

    // Kazoo's 400 shape: field → rule → detail.
    let bad = web
        .send(
            Method::PUT,
            &users,
            Some(&token),
            Some(json!({"data": {"first_name": "Kim", "priv_level": "root", "email": "not-an-email"}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error"], "400");
    assert!(bad.body["data"]["last_name"]["required"].is_object());
    assert!(bad.body["data"]["priv_level"]["enum"].is_object());
    assert!(bad.body["data"]["email"]["format"].is_object());
    let taken = web
        .send(
            Method::PUT,
            &users,
            Some(&token),
            Some(json!({"data": {"first_name": "Kim", "last_name": "Park", "username": "Admin"}})),
        )
        .await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(taken.body["data"]["username"]["unique"].is_object());

    let created = web
        .send(
            Method::PUT,
            &users,
            Some(&token),
            Some(json!({"data": {
                "username": "Kim.Park",
                "password": "s3cret-pass",
                "first_name": "Kim",
                "last_name": "Park",
                "email": "kim.park@example.com",
                "priv_level": "user",
                "timezone": "America/Chicago",
                "ui_flags": {"colorblind": true},
                "appList": ["voip"],
            }})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let user = created.body["data"].clone();
    let user_id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user_id.len(), 32);
    assert!(user_id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(user["username"], "kim.park", "user names are lower-cased");
    assert_eq!(user["enabled"], true);
    assert!(user.get("password").is_none());

    let one = format!("{users}/{user_id}");
    let read = web.get(&one, &token).await;
    assert_eq!(read.body["data"], user, "GET returns what PUT stored");

    let patched = web
        .send(
            Method::PATCH,
            &one,
            Some(&token),
            Some(json!({"data": {"first_name": "Kimberly", "ui_flags": {"colorblind": false}, "timezone": null}})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let after = web.get(&one, &token).await.body["data"].clone();
    assert_eq!(after["first_name"], "Kimberly");
    assert_eq!(after["last_name"], "Park");
    assert_eq!(after["ui_flags"]["colorblind"], false);
    assert!(after.get("timezone").is_none(), "null removes a key");
    assert_eq!(after["appList"], json!(["voip"]), "unknown keys are kept");
    assert_ne!(read.body["revision"], patched.body["revision"]);

    // POST replaces the public part: GET → change → POST, as Monster UI does.
    let mut doc = after.clone();
    doc["email"] = json!("kim@example.com");
    let posted = web
        .send(Method::POST, &one, Some(&token), Some(json!({"data": doc})))
        .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    assert_eq!(posted.body["data"]["email"], "kim@example.com");
    assert_eq!(posted.body["data"]["first_name"], "Kimberly");

    // The new user signs in with the password it was given; owner_id is that user.
    let login = web
        .login_as(DEMO_ACCOUNT_NAME, "kim.park", "s3cret-pass")
        .await;
    assert_eq!(login.status, StatusCode::CREATED, "{}", login.body);
    assert_eq!(login.body["data"]["owner_id"], user_id.as_str());
    let kim = login.body["auth_token"].as_str().unwrap().to_owned();
    // A plain user may not make itself an admin.
    let raise = web
        .send(
            Method::PATCH,
            &one,
            Some(&kim),
            Some(json!({"data": {"priv_level": "admin"}})),
        )
        .await;
    assert_eq!(raise.status, StatusCode::FORBIDDEN);

    let sbx = sbx.restart().await;
    let web = Web::new(&sbx);
    let token = web.token().await;
    let back = web.get(&one, &token).await;
    assert_eq!(back.status, StatusCode::OK);
    assert_eq!(back.body["data"]["first_name"], "Kimberly");
    assert_eq!(back.body["data"]["email"], "kim@example.com");
}

#[tokio::test]
async fn a_valid_token_on_a_route_the_sandbox_lacks_gets_404_not_401() {
    let sbx = env_pinned(Seed::Demo, 60).await;
    let web = Web::new(&sbx);
    let token = web.token().await;
    let acct = reseller();
    for path in [
        format!("accounts/{acct}/vmboxes"),
        format!("accounts/{acct}/devices/0123456789abcdef0123456789abcdef"),
        "nothing/here".to_owned(),
    ] {
        let a = web.get(&path, &token).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(a.body["status"], "error");
        assert_eq!(a.body["error"], "404");
        assert_eq!(a.body["message"], "faulty_request");
        assert_eq!(a.header("x-request-id"), a.body["request_id"].as_str());
    }
    // A verb a known path does not take is Kazoo's 405, still an envelope.
    let del = web
        .send(
            Method::DELETE,
            &format!("accounts/{acct}/users"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(del.body["message"], "invalid_method");

    // What Monster UI asks for around the edges answers in a real shape, never 5xx.
    let lists = [
        format!("accounts/{acct}/alerts"),
        format!("accounts/{acct}/external_numbers"),
    ];
    for path in &lists {
        let a = web.get(path, &token).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(a.body["data"].is_array(), "{path}");
    }
    let acl = web
        .get(&format!("accounts/{acct}/access_lists"), &token)
        .await;
    assert_eq!(acl.status, StatusCode::OK);
    assert!(acl.body["data"].is_object());
    let customer = web
        .get(&format!("accounts/{acct}/braintree/customer"), &token)
        .await;
    assert_eq!(customer.status, StatusCode::OK);
    assert!(customer.body["data"]["credit_cards"].is_array());
}

#[tokio::test]
async fn whitelabel_is_a_404_without_authentication() {
    let sbx = env_pinned(Seed::Demo, 60).await;
    let web = Web::new(&sbx);
    for path in ["whitelabel/localhost", "whitelabel/localhost/logo"] {
        let a = web.send(Method::GET, path, None, None).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(a.body["error"], "404");
        assert_eq!(a.body["message"], "bad_identifier");
        assert_eq!(a.header("access-control-allow-origin"), Some(ORIGIN));
    }
}

#[tokio::test]
async fn apps_store_and_callflows_answer_with_lists() {
    let sbx = env_pinned(Seed::Demo, 60).await;
    let web = Web::new(&sbx);
    let auth = web
        .login_as(DEMO_ACCOUNT_NAME, DEMO_USERNAME, DEMO_PASSWORD)
        .await;
    let token = auth.body["auth_token"].as_str().unwrap().to_owned();
    let acct = reseller();
    let api_url = format!("{}/v2/", sbx.sbx.base_url);

    // The admin may launch every app the store lists.
    let session_apps = auth.body["data"]["apps"].as_array().unwrap();
    assert!(!session_apps.is_empty());
    assert!(session_apps
        .iter()
        .all(|a| a["api_url"] == api_url.as_str()));

    for path in [
        "apps_store".to_owned(),
        format!("accounts/{acct}/apps_store"),
    ] {
        let a = web.get(&path, &token).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        let apps = a.body["data"].as_array().unwrap();
        assert!(apps.len() >= 3, "{path}");
        for app in apps {
            assert_eq!(app["id"].as_str().unwrap().len(), 32);
            assert!(app["name"].is_string());
            assert!(app["i18n"]["en-US"]["label"].is_string());
            assert_eq!(app["api_url"], api_url.as_str());
            let allowed = app["allowed_users"].as_str().unwrap();
            assert!(
                ["all", "admins", "specific"].contains(&allowed),
                "{allowed}"
            );
            if allowed == "specific" {
                assert!(app["users"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u["id"] == auth.body["data"]["owner_id"]));
            }
        }
        assert_eq!(session_apps.len(), apps.len());
    }
    let one_id = session_apps[0]["id"].as_str().unwrap();
    let one = web
        .get(&format!("accounts/{acct}/apps_store/{one_id}"), &token)
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["data"]["id"], one_id);

    // A plain user is offered only the apps open to everyone.
    let support = web
        .login_as(DEMO_ACCOUNT_NAME, "support", DEMO_PASSWORD)
        .await;
    assert_eq!(support.status, StatusCode::CREATED);
    let fewer = support.body["data"]["apps"].as_array().unwrap().len();
    assert!(fewer >= 1 && fewer < session_apps.len());

    let flows = web.get(&format!("accounts/{acct}/callflows"), &token).await;
    assert_eq!(flows.status, StatusCode::OK);
    let all = flows.body["data"].as_array().unwrap();
    assert!(!all.is_empty());
    assert!(all
        .iter()
        .all(|c| c["numbers"].is_array() && c.get("flow").is_none()));
    let main = web
        .get(
            &format!("accounts/{acct}/callflows?filter_numbers=%2B13125550100"),
            &token,
        )
        .await;
    assert_eq!(main.status, StatusCode::OK);
    let main = main.body["data"].as_array().unwrap();
    assert_eq!(main.len(), 1);
    assert_eq!(main[0]["name"], "Main Number");
    let none = web
        .get(
            &format!("accounts/{acct}/callflows?filter_numbers=%2B19995550000"),
            &token,
        )
        .await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.body["data"], json!([]));
    // An account without callflows answers an empty list.
    let sub = account_id("Cape Coast Solar");
    let empty = web.get(&format!("accounts/{sub}/callflows"), &token).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.body["data"], json!([]));

    // All of it needs a token that reaches the account.
    let anon = web
        .send(
            Method::GET,
            &format!("accounts/{acct}/apps_store"),
            None,
            None,
        )
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    let below = web
        .login_as("Cape Coast Solar", DEMO_USERNAME, DEMO_PASSWORD)
        .await;
    let below = below.body["auth_token"].as_str().unwrap().to_owned();
    let up = web.get(&format!("accounts/{acct}/callflows"), &below).await;
    assert_eq!(up.status, StatusCode::FORBIDDEN);
}
