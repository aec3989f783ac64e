//! One real round trip through the OS keyring (Secret Service via gnome-keyring in CI).

use desk_core::Secret;
use desk_store::{KeyringStore, SecretStore};

#[test]
fn keyring_round_trip() {
    let channel = format!("test-{}", std::process::id());
    let store = KeyringStore::new(&channel);
    store
        .probe()
        .expect("the OS keyring must be available (CI unlocks gnome-keyring before the tests)");
    let key = "profile/token";
    assert!(store.get(key).unwrap().is_none());
    store.set(key, &Secret::new("eyJ.secret.token")).unwrap();
    assert_eq!(
        store.get(key).unwrap().unwrap().expose(),
        "eyJ.secret.token"
    );
    let again = KeyringStore::new(&channel);
    assert_eq!(
        again.get(key).unwrap().unwrap().expose(),
        "eyJ.secret.token",
        "persisted outside this object"
    );
    store.delete(key).unwrap();
    assert!(store.get(key).unwrap().is_none());
    store.delete(key).unwrap();
    assert!(store.persistent());
}
