//! The `crossbar-sandbox` binary: prints its base URL alone on the first stdout line.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn prints_its_url_first_and_serves_v2() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crossbar-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .args(["--seed", "scale:30", "--token-ttl", "5"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::get(format!("{url}/v2/nope"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 404);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(dir.path().join("sandbox.json").exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("accounts"))
            .unwrap()
            .count(),
        32
    );
}

#[test]
fn bad_arguments_explain_themselves() {
    let out = Command::new(env!("CARGO_BIN_EXE_crossbar-sandbox"))
        .args(["--seed", "lots", "--data", "/tmp/x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown seed"));
}
