//! One real round trip through the OS keyring (Secret Service via gnome-keyring in CI), checked
//! from outside the app with `secret-tool`.

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
    // And outside this process: the Secret Service itself holds it.
    let service = format!("account-desk.{channel}");
    let looked_up = std::process::Command::new("secret-tool")
        .args(["lookup", "service", &service, "username", key])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    assert_eq!(
        String::from_utf8_lossy(&looked_up.stdout).trim(),
        "eyJ.secret.token",
        "{}",
        String::from_utf8_lossy(&looked_up.stderr)
    );
    store.delete(key).unwrap();
    assert!(store.get(key).unwrap().is_none());
    store.delete(key).unwrap();
    assert!(store.persistent());
}
