//! Start-up: a restart opens on what was cached, before the server has answered anything.

use crate::app::App;
use crate::backend::{eventually, Backend};
use crossbar_sandbox::DEMO_ACCOUNT_NAME;
use desk_testkit::Proxy;

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_shows_the_cached_account_while_the_server_has_not_answered() {
    let backend = Backend::start(3600).await;
    let proxy = Proxy::start(backend.running.addr).await;
    let args = ["--backend", proxy.url.as_str()];
    let app = App::launch_at(backend.now(), &args).await;
    app.signed_in_as(DEMO_ACCOUNT_NAME, "admin", "demo", true)
        .await;
    let realm = app.text("#realm-value").await;
    assert!(!realm.is_empty());

    // Every read waits at the proxy: a platform that is slow to answer this morning.
    let held = proxy.hold("GET", "");
    let app = app.restart(&args).await;
    held.reached().await;
    app.on_screen("account").await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;
    assert_eq!(
        app.text("#realm-value").await,
        realm,
        "the cached Account Info, with the server still silent"
    );
    let trees = proxy.count("GET", "/descendants");

    // The server answers: the tree is pulled behind the open window.
    held.release();
    eventually(
        "the account tree was pulled once the server answered",
        || async { proxy.count("GET", "/descendants") > trees },
    )
    .await;
    app.wait_text("#account-name", DEMO_ACCOUNT_NAME).await;
    app.close().await;
}
