//! Cards and credit: card data only at the processor, the card only in the keyring, and credit sent
//! once per intent even when the answer is lost.

use super::*;

#[tokio::test]
async fn a_card_is_tokenized_at_the_processor_vaulted_and_kept_only_in_the_keyring() {
    let Setup {
        sbx: _sbx,
        dir,
        secrets,
        dk,
        admin,
    } = setup().await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let before = dk.payment_details(reseller.as_str()).await.unwrap();
    let card = before.card.expect("the demo reseller has a card");
    assert_eq!(
        (card.brand.as_str(), card.last_four.as_str()),
        ("Visa", "1111")
    );
    assert!(
        card.warning.is_some(),
        "the demo card expires soon: {card:?}"
    );

    // Checked here first: nothing reaches the processor or the platform.
    let err = dk
        .add_card(reseller.as_str(), entry("4111 1111 1111 1112", "01/20"))
        .await
        .unwrap_err()
        .view();
    let fields: Vec<&str> = err.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["card_number", "card_expiry"], "{err:?}");

    // The clock is pinned in 2026: this expiry is years ahead on every day the test runs.
    let added = dk
        .add_card(reseller.as_str(), entry("5555 5555 5555 4444", "12/31"))
        .await
        .unwrap();
    let shown = added.card.unwrap();
    assert_eq!(
        (
            shown.brand.as_str(),
            shown.last_four.as_str(),
            shown.expiry.as_str()
        ),
        ("MasterCard", "4444", "12/2031")
    );
    assert!(shown.warning.is_none());
    let token = secrets
        .get("test/payment_token")
        .unwrap()
        .expect("token kept in the keyring");
    let server_cards = admin.cards(&reseller).await.unwrap();
    assert!(server_cards
        .iter()
        .any(|c| c.token == token.expose() && c.default && c.last_four == "4444"));

    // The issuer refuses this one when it is added: said in the processor's words.
    let declined = dk
        .add_card(reseller.as_str(), entry("4000 1111 1111 1115", "12/31"))
        .await
        .unwrap_err();
    assert!(declined.to_string().contains("declined"), "{declined}");
    assert_eq!(
        dk.payment_details(reseller.as_str())
            .await
            .unwrap()
            .card
            .unwrap()
            .last_four,
        "4444"
    );

    // Sub-accounts are billed through the reseller and keep no card.
    let sub = dk
        .payment_details(id("Bayside Realty").as_str())
        .await
        .unwrap();
    assert!(!sub.can_pay);
    assert_eq!(sub.billed_through.as_deref(), Some(DEMO_ACCOUNT_NAME));
    assert_eq!(
        dk.add_card(
            id("Bayside Realty").as_str(),
            entry("5555555555554444", "12/31")
        )
        .await
        .unwrap_err()
        .code(),
        "read_only"
    );

    // Signing out forgets the payment token with the session.
    dk.sign_out().unwrap();
    assert!(secrets.get("test/payment_token").unwrap().is_none());

    // Neither the numbers (as typed, or as digits) nor the token is in the cache folder, in any
    // encoding.
    drop(dk);
    let files = files_under(dir.path());
    assert!(!files.is_empty());
    let found = find_secrets(
        &files,
        &[
            ("card number as typed", "5555 5555 5555 4444"),
            ("card number", "5555555555554444"),
            ("refused card number as typed", "4000 1111 1111 1115"),
            ("refused card number", "4000111111111115"),
            ("payment token", token.expose()),
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[tokio::test]
async fn credit_is_sent_once_per_intent_even_when_the_answer_is_lost() {
    let Proxied {
        sbx,
        proxy,
        dk,
        admin,
        _dir,
    } = proxied().await;
    let reseller = id(DEMO_ACCOUNT_NAME);
    let start = admin.balance(&reseller).await.unwrap();

    // A double click: two sends of one intent, at once. One request crosses the network (Kazoo,
    // and so the sandbox, would charge a second one again).
    let intent = dk.new_credit_intent();
    let (a, b) = tokio::join!(
        dk.add_credit(reseller.as_str(), &intent, "25.00"),
        dk.add_credit(reseller.as_str(), &intent, "25")
    );
    assert_eq!(topups(&proxy, "25"), 1, "one top-up request per intent");
    assert_eq!(
        (a.unwrap().state, b.unwrap().state),
        (IntentState::Completed, IntentState::Completed),
        "the second click waits for the first and reports its outcome"
    );
    assert_eq!(payments_of(&sbx, &admin, "25").await, 1);

    // The answer to the next one is lost and the network drops: the server charged, the app
    // cannot tell, so it says so and sends nothing more.
    let lost = lost_payment(&dk, &proxy, "40.10").await;
    assert_eq!(topups(&proxy, "40.10"), 1);
    // The user tries again while still offline: it cannot be looked up, so nothing is sent.
    let retry = dk
        .add_credit(reseller.as_str(), &lost, "40.10")
        .await
        .unwrap_err();
    assert_eq!(retry.code(), "network", "{retry:?}");
    // Another amount cannot ride on the same intent.
    let other = dk
        .add_credit(reseller.as_str(), &lost, "50")
        .await
        .unwrap_err()
        .view();
    assert_eq!(other.field.as_deref(), Some("credit.amount"));
    // A new dialog meanwhile must settle the earlier one first: offline, nothing is sent.
    let meanwhile = dk.new_credit_intent();
    let refused = dk
        .add_credit(reseller.as_str(), &meanwhile, "40.10")
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "network");
    assert_eq!(topups(&proxy, "40.10"), 1, "the new dialog sent nothing");

    // Back online, "Check again" on the first dialog looks the payment up and finds it.
    proxy.set_down(false);
    let lookups = proxy.count("GET", "/transactions");
    let settled = dk
        .add_credit(reseller.as_str(), &lost, "40.10")
        .await
        .unwrap();
    assert_eq!(settled.state, IntentState::Completed, "{settled:?}");
    assert!(
        proxy.count("GET", "/transactions") > lookups,
        "the payment was looked up on the server"
    );
    assert_eq!(topups(&proxy, "40.10"), 1, "and not sent again");
    assert_eq!(payments_of(&sbx, &admin, "40.10").await, 1);

    // Another lost answer; this time the user closes the dialog and opens a new one, which finds
    // the earlier payment before it sends anything.
    let closed = lost_payment(&dk, &proxy, "33.30").await;
    proxy.set_down(false);
    let lookups = proxy.count("GET", "/transactions");
    let fresh = dk.new_credit_intent();
    let earlier = dk
        .add_credit(reseller.as_str(), &fresh, "33.30")
        .await
        .unwrap();
    assert_eq!(
        (earlier.state, earlier.intent.as_str()),
        (IntentState::Completed, closed.as_str())
    );
    assert!(
        earlier.message.contains("did go through"),
        "{}",
        earlier.message
    );
    assert!(proxy.count("GET", "/transactions") > lookups);
    assert_eq!(topups(&proxy, "33.30"), 1, "the new dialog sent nothing");
    assert_eq!(payments_of(&sbx, &admin, "33.30").await, 1);

    // The network is down when the next one is sent: it never reaches the server, and the app
    // cannot know that.
    proxy.set_down(true);
    let unsent = dk.new_credit_intent();
    let o = dk
        .add_credit(reseller.as_str(), &unsent, "7.77")
        .await
        .unwrap();
    assert_eq!(o.state, IntentState::Unknown);
    assert_eq!(topups(&proxy, "7.77"), 0);
    proxy.set_down(false);
    // Checked at once: not listed, and not sent again so soon (it could still be processing);
    // a new dialog meanwhile does not charge either.
    let check = dk
        .add_credit(reseller.as_str(), &unsent, "7.77")
        .await
        .unwrap();
    assert_eq!(check.state, IntentState::Unknown);
    assert!(
        check.message.contains("not listed yet"),
        "{}",
        check.message
    );
    let another = dk.new_credit_intent();
    let other = dk
        .add_credit(reseller.as_str(), &another, "7.77")
        .await
        .unwrap();
    assert_eq!(
        (other.state, other.intent.as_str()),
        (IntentState::Unknown, unsent.as_str())
    );
    assert_eq!(topups(&proxy, "7.77"), 0);
    // A minute later it is still not listed: sent again, once.
    sbx.advance(61).await;
    let resent = dk
        .add_credit(reseller.as_str(), &unsent, "7.77")
        .await
        .unwrap();
    assert_eq!(resent.state, IntentState::Completed, "{resent:?}");
    assert_eq!(topups(&proxy, "7.77"), 1);
    assert_eq!(payments_of(&sbx, &admin, "7.77").await, 1);
    assert_eq!(
        admin.balance(&reseller).await.unwrap(),
        start + d("25") + d("40.10") + d("33.30") + d("7.77"),
        "exact to the cent"
    );

    // A card that the issuer declines: the processor's reason, one request, and no credit.
    dk.add_card(reseller.as_str(), entry("4000 0000 0000 0341", "12/31"))
        .await
        .unwrap();
    let refused_card = dk.new_credit_intent();
    let declined = dk
        .add_credit(reseller.as_str(), &refused_card, "10")
        .await
        .unwrap_err();
    assert!(
        declined.to_string().contains("Insufficient Funds"),
        "{declined}"
    );
    assert_eq!(topups(&proxy, "10"), 1);
    assert_eq!(admin.balance(&reseller).await.unwrap(), start + d("106.17"));
    let txs = admin
        .transactions(
            &reseller,
            sbx.now() - Days::hours(1),
            sbx.now() + Days::hours(1),
        )
        .await
        .unwrap();
    assert!(txs
        .iter()
        .any(|t| t.status == "failed" && t.reason.as_deref() == Some("Insufficient Funds")));

    // Bad amounts never leave the app (the comma is a thousands separator, never cents).
    let before = proxy.count("POST", "/services/topup");
    for bad in ["0", "-5", "12.345", "abc", "10000.01", "25,00"] {
        let e = dk
            .add_credit(reseller.as_str(), &dk.new_credit_intent(), bad)
            .await
            .unwrap_err()
            .view();
        assert_eq!(e.field.as_deref(), Some("credit.amount"), "{bad}: {e:?}");
    }
    assert_eq!(proxy.count("POST", "/services/topup"), before);
}

/// Kazoo 4.3's top-up has no reference of any kind: a lost answer is settled by amount and
/// time, and a payment another intent already claimed is never taken for this one's.
#[tokio::test]
async fn on_a_server_that_ignores_references_a_lost_payment_is_found_by_its_amount() {
    let Proxied {
        sbx,
        proxy,
        dk,
        admin,
        _dir,
    } = proxied().await;
    let reseller = id(DEMO_ACCOUNT_NAME);

    let first = lost_payment(&dk, &proxy, "15.00").await;
    proxy.set_down(false);
    let found = dk
        .add_credit(reseller.as_str(), &first, "15.00")
        .await
        .unwrap();
    assert_eq!(found.state, IntentState::Completed, "{found:?}");
    assert_eq!(topups(&proxy, "15"), 1);

    // The next payment of the same amount never reaches the server. The one that is listed is
    // the first intent's, so after a minute this one is sent, once.
    proxy.set_down(true);
    let second = dk.new_credit_intent();
    let o = dk
        .add_credit(reseller.as_str(), &second, "15.00")
        .await
        .unwrap();
    assert_eq!(o.state, IntentState::Unknown);
    proxy.set_down(false);
    sbx.advance(61).await;
    let sent = dk
        .add_credit(reseller.as_str(), &second, "15.00")
        .await
        .unwrap();
    assert_eq!(sent.state, IntentState::Completed, "{sent:?}");
    assert_eq!(topups(&proxy, "15"), 2, "one each");
    assert_eq!(payments_of(&sbx, &admin, "15").await, 2);
}
