//! A platform behind a company's own certificate authority: refused with a sentence that says
//! why and what to do, trusted once its CA is in the operating system's store or chosen as the
//! profile's CA file. The front is real TLS on 127.0.0.1 in front of the sandbox.

use crate::support::{demo_login, id, sandbox};
use crossbar::{ApiError, BaseUrl, Client, ClientOptions};
use crossbar_sandbox::{Seed, DEMO_ACCOUNT_NAME};
use desk_testkit::TlsFront;

fn client(url: &str, opts: ClientOptions) -> Client {
    Client::new(BaseUrl::parse(url).unwrap(), opts).unwrap()
}

#[tokio::test]
async fn a_platform_behind_a_private_ca_is_refused_clearly_until_its_ca_file_is_chosen() {
    let sbx = sandbox(Seed::Demo, 600).await;
    let front = TlsFront::start(sbx.running.addr).await;
    let e = client(&front.url, ClientOptions::default())
        .sign_in(demo_login())
        .await
        .unwrap_err();
    assert!(matches!(e, ApiError::Network(_)), "{e:?}");
    assert!(
        e.to_string().contains("certificate is not trusted")
            && e.to_string().contains("Certificate authority"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("company-ca.pem");
    std::fs::write(&ca, &front.ca_pem).unwrap();
    let c = client(
        &front.url,
        ClientOptions::default().with_ca_file(&ca).unwrap(),
    );
    c.sign_in(demo_login()).await.unwrap();
    let doc = c.get_account(&id(DEMO_ACCOUNT_NAME)).await.unwrap();
    assert_eq!(doc.value.to_value()["name"], DEMO_ACCOUNT_NAME);

    let junk = dir.path().join("not-a-ca.pem");
    std::fs::write(&junk, "hello").unwrap();
    let e = ClientOptions::default().with_ca_file(&junk).unwrap_err();
    assert!(e.contains("holds no PEM certificate"), "{e}");
    let e = ClientOptions::default()
        .with_ca_file(&dir.path().join("missing.pem"))
        .unwrap_err();
    assert!(e.contains("cannot read"), "{e}");
}

/// Run in a child process of this test binary, whose environment names the CA as the system's
/// store (`SSL_CERT_FILE`, which the store reader honours on Linux as OpenSSL does): no other
/// test's environment is touched.
#[tokio::test]
async fn the_operating_systems_certificate_store_is_trusted() {
    if let Ok(url) = std::env::var("DESK_TLS_FRONT") {
        let c = client(&url, ClientOptions::default());
        c.sign_in(demo_login()).await.unwrap();
        return;
    }
    let sbx = sandbox(Seed::Demo, 600).await;
    let front = TlsFront::start(sbx.running.addr).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("system-roots.pem");
    std::fs::write(&store, &front.ca_pem).unwrap();
    let child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "tls::the_operating_systems_certificate_store_is_trusted",
            "--exact",
            "--test-threads=1",
        ])
        .env("DESK_TLS_FRONT", &front.url)
        .env("SSL_CERT_FILE", &store)
        .env_remove("SSL_CERT_DIR")
        .output()
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success() && out.contains("1 passed"),
        "signed in through the system store: {out}\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
}
