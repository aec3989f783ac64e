//! The direction of dependencies ARCHITECTURE.md promises, read from Cargo's own resolution of
//! the workspace: the core does no I/O (no tokio, reqwest or Tauri), nothing below the shell
//! knows Tauri, and the sandbox shares no code with the client it is tested against.

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Every package `name` depends on for building its library (normal dependencies,
/// transitively), by name.
fn closure(
    resolve: &HashMap<String, Vec<String>>,
    names: &HashMap<String, String>,
    id: &str,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![id.to_owned()];
    while let Some(next) = todo.pop() {
        for dep in resolve.get(&next).into_iter().flatten() {
            if seen.insert(names[dep].clone()) {
                todo.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn layers_depend_only_downwards() {
    // Only this platform's dependencies: the registry holds what this build downloaded, and
    // other platforms' crates (android_system_properties, …) are not there offline.
    let platform = format!(
        "{}-unknown-{}-gnu",
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", &platform])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: HashMap<String, String> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Normal (not dev or build) dependencies of every package, for the host.
    let resolve: HashMap<String, Vec<String>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let deps = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap().to_owned())
                .collect();
            (n["id"].as_str().unwrap().to_owned(), deps)
        })
        .collect();
    let id_of = |name: &str| {
        names
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("{name} is in the workspace"))
    };
    let deps = |name: &str| closure(&resolve, &names, &id_of(name));

    let core = deps("desk-core");
    for io in ["tokio", "reqwest", "tauri", "sled", "keyring", "hyper"] {
        assert!(!core.contains(io), "desk-core depends on {io}");
    }
    for layer in ["desk-core", "crossbar", "desk-store", "desk-engine"] {
        let d = deps(layer);
        for ui in ["tauri", "wry", "tao", "webkit2gtk"] {
            assert!(!d.contains(ui), "{layer} knows {ui}");
        }
    }
    let engine = deps("desk-engine");
    assert!(
        ["desk-core", "crossbar", "desk-store"]
            .iter()
            .all(|c| engine.contains(*c)),
        "the engine sits on the client, the store and the core"
    );
    let sandbox = deps("crossbar-sandbox");
    for ours in ["desk-core", "crossbar", "desk-store", "desk-engine"] {
        assert!(
            !sandbox.contains(ours),
            "the sandbox shares {ours} with the client"
        );
    }
    let client = deps("crossbar");
    assert!(!client.contains("desk-store") && !client.contains("desk-engine"));
}
