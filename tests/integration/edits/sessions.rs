//! Offline queueing, session renewal, sign-out and forgetting a platform: edits survive each.

use super::*;

#[tokio::test]
async fn offline_edits_queue_and_go_out_when_the_server_is_back() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let d = signed_in(&sbx, dir.path(), DEMO_ACCOUNT_NAME).await;
    let acct = id("Sakura Travel K.K.");
    let mut form = form_of(&d, "Sakura Travel K.K.").await;
    let stopped = sbx.stop().await;

    form.tech_name = "Yui Tanaka".into();
    let view = d.save_account(acct.as_str(), &form).await.unwrap();
    assert_eq!(
        view.technical_contact.name.value.as_deref(),
        Some("Yui Tanaka")
    );
    assert!(d.push_pending().await.unwrap_err().view().code == "network");
    assert!(!d.status().online);
    assert_eq!(d.status().pending, 1, "kept, not lost");
    let offline_view = d.account(acct.as_str()).await.unwrap();
    assert!(offline_view.freshness.from_cache);

    let sbx = stopped.start().await;
    d.push_pending().await.unwrap();
    assert!(d.status().online);
    assert_eq!(d.status().pending, 0);
    let server = someone_else(&sbx.running.base_url)
        .await
        .get_account(&acct)
        .await
        .unwrap()
        .value;
    assert_eq!(
        server.as_map()["contact"]["technical"]["name"],
        "Yui Tanaka"
    );
}

#[tokio::test]
async fn an_expired_session_is_renewed_or_the_user_is_asked_without_losing_edits() {
    let sbx = sandbox(Seed::Demo, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let url = sbx.running.base_url.clone();
    let acct = id("Copacabana Importadora Ltda");
    {
        let d = sbx.desk(dir.path(), secrets.clone());
        d.sign_in(demo_login(), true).await.unwrap();
        d.sync_tree().await.unwrap();
        let mut form = form_of(&d, "Copacabana Importadora Ltda").await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        form.tech_name = "Bruna Lima".into();
        d.save_account(acct.as_str(), &form).await.unwrap();
        d.push_pending()
            .await
            .expect("renewed silently with the password hash in memory");
        assert_eq!(d.status().pending, 0);
    }
    // After a restart only the remembered token is left: once it expires, the user is asked.
    let d = sbx.desk(dir.path(), secrets.clone());
    assert!(d.resume(None).unwrap());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut form = d.cached_account(acct.as_str()).unwrap().unwrap().form;
    form.tech_name = "Bruna Lima Souza".into();
    d.save_account(acct.as_str(), &form).await.unwrap();
    assert_eq!(
        d.push_pending().await.unwrap_err().code(),
        "session_expired"
    );
    assert!(d.status().needs_sign_in);
    assert_eq!(d.status().pending, 1, "the edit waits");
    d.sign_in(demo_login(), true).await.unwrap();
    assert!(!d.status().needs_sign_in);
    d.push_pending().await.unwrap();
    let server = someone_else(&url)
        .await
        .get_account(&acct)
        .await
        .unwrap()
        .value;
    assert_eq!(
        server.as_map()["contact"]["technical"]["name"],
        "Bruna Lima Souza"
    );
}

#[tokio::test]
async fn plain_users_are_refused_and_sign_out_forgets_secrets() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let d = sbx.desk(dir.path(), secrets.clone());
    let plain = crossbar::Credentials::password(
        crossbar::AccountRef::Name(DEMO_ACCOUNT_NAME.into()),
        "support",
        "demo",
    );
    assert_eq!(
        d.sign_in(plain, true).await.unwrap_err().code(),
        "not_admin"
    );
    assert!(!d.status().signed_in);
    assert!(
        secrets.get("test/token").unwrap().is_none(),
        "nothing remembered for a refused user"
    );

    let key = someone_else(&sbx.running.base_url)
        .await
        .api_key(&id(DEMO_ACCOUNT_NAME))
        .await
        .unwrap();
    d.sign_in(crossbar::Credentials::ApiKey(key.clone()), true)
        .await
        .unwrap();
    assert_eq!(
        secrets.get("test/api_key").unwrap().unwrap(),
        key,
        "API key remembered in the secret store"
    );
    assert!(d.remembers().unwrap());
    d.sign_out().unwrap();
    assert!(!d.remembers().unwrap());
    assert!(secrets.get("test/token").unwrap().is_none());
}

#[tokio::test]
async fn forgetting_a_platform_removes_its_secrets_and_only_its() {
    let secrets = MemoryStore::default();
    for profile in ["one#1", "two#2"] {
        for what in ["token", "api_key", "payment_token"] {
            secrets
                .set(&format!("{profile}/{what}"), &desk_core::Secret::new("s"))
                .unwrap();
        }
    }
    desk_engine::forget_secrets(&secrets, "one#1").unwrap();
    for what in ["token", "api_key", "payment_token"] {
        assert!(
            secrets.get(&format!("one#1/{what}")).unwrap().is_none(),
            "{what}"
        );
        assert!(
            secrets.get(&format!("two#2/{what}")).unwrap().is_some(),
            "{what}"
        );
    }
}
