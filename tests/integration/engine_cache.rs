//! The engine over the sandbox and a sled cache on a temp dir: the tree, the views, and
//! offline review from the cache after the server goes away.

use crate::support::{demo_login, id, sandbox};
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_store::{MemoryStore, SecretStore};
use std::sync::Arc;

#[tokio::test]
async fn tree_views_and_offline_review_from_the_cache() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let data = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let url = sbx.running.base_url.clone();
    {
        let d = sbx.desk(data.path(), secrets.clone());
        d.sign_in(demo_login(), true).await.unwrap();
        assert!(
            secrets.get("test/token").unwrap().is_some(),
            "token kept in the secret store"
        );
        let status = d.sync_tree().await.unwrap();
        assert_eq!(status.account_count, 29);
        assert_eq!(status.root_name.as_deref(), Some(DEMO_ACCOUNT_NAME));
        assert!(status.online);
        let top = d.children(None).unwrap();
        assert!(top
            .iter()
            .any(|n| n.name == "Acme Dental Group" && n.child_count == 2));
        let hits = d.search("ottawa");
        assert_eq!(hits.len(), 2);
        let clinic = hits
            .iter()
            .find(|h| h.name == "Northwind Health — Ottawa Clinic")
            .unwrap();
        assert_eq!(
            clinic.path,
            ["Northwind Health Partners"],
            "ancestors below the root tell them apart"
        );

        let maison = d
            .account(id("Maison Laurent Avocats").as_str())
            .await
            .unwrap();
        assert!(!maison.freshness.from_cache);
        assert_eq!(
            maison.technical_contact.number.as_ref().unwrap().display,
            "01 42 68 53 00",
            "national mode, French rules"
        );
        assert_eq!(
            maison
                .breadcrumb
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            [DEMO_ACCOUNT_NAME, "Maison Laurent Avocats"]
        );
        let trunks = d
            .trunks(id("Harbor Logistics GmbH").as_str())
            .await
            .unwrap();
        assert_eq!(
            (
                trunks.capacity.max_inbound,
                trunks.capacity.max_outbound,
                trunks.capacity.total
            ),
            (18, 16, 24)
        );
        d.account(id("Bayside Realty").as_str()).await.unwrap();
    }
    let gone = sbx.stop().await;

    // A restart with the server gone: the tree and every synced account are still there.
    let d = crate::support::desk(gone.clock(), &url, data.path(), secrets.clone());
    assert_eq!(
        d.status().account_count,
        29,
        "tree from the cache, before any network"
    );
    assert!(d
        .cached_account(id("Maison Laurent Avocats").as_str())
        .unwrap()
        .is_some());
    assert!(
        d.resume(Some(demo_login())).unwrap(),
        "the saved token and cached tree resume the session"
    );
    let offline = d
        .account(id("Maison Laurent Avocats").as_str())
        .await
        .unwrap();
    assert!(offline.freshness.from_cache);
    assert_eq!(
        offline.name.value.as_deref(),
        Some("Maison Laurent Avocats")
    );
    assert!(!d.status().online);
    assert!(
        d.trunks(id("Harbor Logistics GmbH").as_str())
            .await
            .unwrap()
            .freshness
            .from_cache
    );
    let never_opened = d
        .account(id("Sakura Travel K.K.").as_str())
        .await
        .unwrap_err();
    assert_eq!(never_opened.code(), "not_cached");
    let not_ours = d
        .account("0123456789abcdef0123456789abcdef")
        .await
        .unwrap_err();
    assert_eq!(not_ours.code(), "unknown_account");
    assert_eq!(
        d.account("../../etc")
            .await
            .unwrap_err()
            .view()
            .field
            .as_deref(),
        Some("id")
    );
}

#[tokio::test]
async fn stored_values_that_break_the_rules_are_shown_flagged() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let data = tempfile::tempdir().unwrap();
    let d = sbx.desk(data.path(), Arc::new(MemoryStore::default()));
    d.sign_in(demo_login(), true).await.unwrap();
    d.sync_tree().await.unwrap();
    let v = d.account(id("Legacy Imports Ltd").as_str()).await.unwrap();
    assert_eq!(
        v.realm.value.as_deref(),
        Some("Legacy_Imports.SIP.deskdemo.net")
    );
    assert!(v.realm.problem.is_some());
    assert_eq!(v.timezone.zone.as_deref(), Some("Mars/Olympus"));
    assert!(v.timezone.problem.is_some() && v.timezone.clock.is_none());
    let phone = v.technical_contact.number.unwrap();
    assert_eq!(phone.display, "555-CALL-NOW");
    assert!(phone.problem.is_some());
    assert!(v.technical_contact.email.problem.is_some());

    let inherits = d
        .account(id("Pinecrest Pet Hospital").as_str())
        .await
        .unwrap();
    assert!(inherits.timezone.inherited);
    assert_eq!(
        inherits.timezone.effective.as_deref(),
        Some("America/Chicago"),
        "the reseller's zone"
    );
    assert!(inherits.timezone.clock.is_some());
}

#[tokio::test]
async fn every_number_follows_the_viewed_accounts_rule() {
    let sbx = sandbox(Seed::Demo, 60).await;
    let data = tempfile::tempdir().unwrap();
    let d = sbx.desk(data.path(), Arc::new(MemoryStore::default()));
    d.sign_in(demo_login(), true).await.unwrap();
    d.sync_tree().await.unwrap();
    let shown =
        |v: &desk_engine::AccountView| v.technical_contact.number.as_ref().unwrap().display.clone();
    let reseller = d.account(id(DEMO_ACCOUNT_NAME).as_str()).await.unwrap();
    assert_eq!(
        shown(&reseller),
        "(312) 555-0142",
        "US is an exception: national"
    );
    let preview: Vec<_> = reseller
        .numbers_format
        .preview
        .iter()
        .map(|p| p.display.as_str())
        .collect();
    assert!(preview.contains(&"(415) 555-2671") && preview.contains(&"+44 20 7946 0958"));
    let harbor = d
        .account(id("Harbor Logistics GmbH").as_str())
        .await
        .unwrap();
    assert_eq!(
        shown(&harbor),
        "040 30904567",
        "German number, German exception"
    );
    assert!(harbor
        .numbers_format
        .preview
        .iter()
        .any(|p| p.display == "+1 415-555-2671"));
    let sakura = d.account(id("Sakura Travel K.K.").as_str()).await.unwrap();
    assert_eq!(shown(&sakura), "+81 3-3550-8111");
    let church = d
        .account(id("Lakeside Community Church").as_str())
        .await
        .unwrap();
    assert!(
        church.privacy.warning.is_some(),
        "hide name and number warns"
    );
    assert!(d
        .account(id("Acme Dental Group").as_str())
        .await
        .unwrap()
        .numbers_format
        .warning
        .is_some());
}
