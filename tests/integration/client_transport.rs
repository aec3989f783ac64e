//! Transport behaviour against small scripted HTTP servers on 127.0.0.1: retries only for
//! idempotent requests, timeouts, and one distinct error per status.

use crate::support::client;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use crossbar::{ApiError, BaseUrl, Client, ClientOptions};
use desk_core::{AccountId, Secret};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Serve `respond(n)` for the n-th request (0-based) on any path; returns the base URL and the
/// request counter.
async fn scripted(
    respond: impl Fn(usize) -> (u16, serde_json::Value) + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let respond = Arc::new(respond);
    let app = Router::new().fallback(move || {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        let (status, body) = respond(n);
        async move { (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response() }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, count)
}

fn any_id() -> AccountId {
    AccountId::parse("0123456789abcdef0123456789abcdef").unwrap()
}

fn signed_in(url: &str) -> Client {
    let c = client(url);
    c.resume(Secret::new("tok"), any_id(), None);
    c
}

fn ok_account() -> serde_json::Value {
    json!({"status": "success", "data": {"id": "0123456789abcdef0123456789abcdef", "name": "A"}, "revision": "1-a"})
}

#[tokio::test]
async fn gets_are_retried_with_backoff_but_writes_are_not() {
    let (url, count) = scripted(|n| {
        if n < 2 {
            (
                503,
                json!({"status": "error", "error": "503", "message": "datastore_fault"}),
            )
        } else {
            (200, ok_account())
        }
    })
    .await;
    let c = signed_in(&url);
    c.get_account(&any_id())
        .await
        .expect("third attempt succeeds");
    assert_eq!(count.load(Ordering::SeqCst), 3);

    let (url, count) = scripted(|_| {
        (
            503,
            json!({"status": "error", "error": "503", "message": "datastore_fault"}),
        )
    })
    .await;
    let c = signed_in(&url);
    let err = c
        .patch_account(&any_id(), json!({"name": "B"}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "server");
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "a PATCH is never resent on its own"
    );

    let (url, count) = scripted(|_| (503, json!({}))).await;
    let c = signed_in(&url);
    c.get_account(&any_id()).await.unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 3, "retries are bounded");
}

#[tokio::test]
async fn every_error_status_is_distinct() {
    for (status, code) in [
        (409, "conflict"),
        (423, "locked"),
        (429, "too_many_requests"),
        (500, "server"),
        (404, "not_found"),
        (403, "forbidden"),
    ] {
        let (url, _) = scripted(move |_| {
            (
                status,
                json!({"status": "error", "error": status.to_string(), "message": "x", "data": {}}),
            )
        })
        .await;
        let err = signed_in(&url)
            .post_account(&any_id(), json!({"name": "A"}))
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{status}");
        assert_eq!(err.meta().unwrap().status, status);
    }
}

#[tokio::test]
async fn a_slow_server_times_out_and_a_closed_port_is_unreachable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let opts = ClientOptions {
        timeout: Duration::from_millis(300),
        retries: 0,
        ..ClientOptions::default()
    };
    let c = Client::new(BaseUrl::parse(&url).unwrap(), opts).unwrap();
    c.resume(Secret::new("t"), any_id(), None);
    let err = c.get_account(&any_id()).await.unwrap_err();
    assert!(matches!(err, ApiError::Timeout), "{err:?}");
    assert!(err.is_unreachable());

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = signed_in(&url).get_account(&any_id()).await.unwrap_err();
    assert_eq!(err.code(), "network");
}

#[tokio::test]
async fn plain_http_to_another_host_is_refused_before_any_request() {
    let err = BaseUrl::parse("http://pbx.example.com:8000").unwrap_err();
    assert_eq!(err.code(), "insecure_url");
    assert!(BaseUrl::parse("https://pbx.example.com:8443").is_ok());
}

#[tokio::test]
async fn kazoo_error_examples_decode_to_their_kind() {
    let dir = crate::support::reference_dir().join("examples");
    for (file, status, code) in [
        ("error_400_invalid_data_response.json", 400, "validation"),
        (
            "error_401_invalid_credentials_response.json",
            401,
            "session_expired",
        ),
        (
            "error_402_accept_charges_response.json",
            402,
            "payment_required",
        ),
        ("error_403_forbidden_response.json", 403, "forbidden"),
    ] {
        let body: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        let (url, _) = scripted(move |_| (status, body.clone())).await;
        let err = signed_in(&url).get_account(&any_id()).await.unwrap_err();
        assert_eq!(err.code(), code, "{file}");
        match err {
            ApiError::Validation { fields, .. } => {
                assert_eq!(fields[0].field, "domains");
                assert_eq!(fields[0].message, "is required");
            }
            ApiError::PaymentRequired {
                payment: crossbar::Payment::AcceptCharges(c),
                ..
            } => {
                assert_eq!(c.items.len(), 1);
                assert_eq!(c.activation, "1".parse().unwrap());
            }
            ApiError::Forbidden { cause, .. } => {
                assert_eq!(cause, "access denied by token restrictions")
            }
            _ => {}
        }
    }
}

/// A redirect could carry the session token to another host or to plain http: the client does
/// not follow one, and the place it points to never hears from it.
#[tokio::test]
async fn redirects_are_not_followed_so_the_token_stays_put() {
    let (elsewhere, visits) = scripted(|_| (200, ok_account())).await;
    let target = format!("{elsewhere}/v2/accounts/{}", any_id());
    let app = Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                StatusCode::FOUND,
                [(axum::http::header::LOCATION, target)],
                "moved",
            )
                .into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let err = signed_in(&url).get_account(&any_id()).await.unwrap_err();
    assert!(
        !matches!(err, ApiError::Network(_)),
        "answered, not unreachable: {err:?}"
    );
    assert_eq!(
        visits.load(Ordering::SeqCst),
        0,
        "the redirect was not followed"
    );
}
