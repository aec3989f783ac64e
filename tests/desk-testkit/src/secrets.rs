//! The forms in which a secret could reach a file: as text in UTF-8 or UTF-16 (WebKit's local
//! storage keeps UTF-16), base64 at any alignment, hex in either case, JSON `\u` escapes and
//! percent-encoding. A scan that looks for the exact bytes only would miss all but the first.

use base64::Engine;
use std::path::{Path, PathBuf};

/// A secret (or an unreadable file) found by [`find_secrets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub file: PathBuf,
    /// What was found ("auth token as UTF-16LE"), or why the file could not be scanned.
    pub what: String,
}

/// (name of the form, bytes) for every form of `secret` worth looking for.
pub fn secret_forms(secret: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("UTF-8".to_owned(), secret.as_bytes().to_vec())];
    let units: Vec<u16> = secret.encode_utf16().collect();
    out.push((
        "UTF-16LE".into(),
        units.iter().flat_map(|u| u.to_le_bytes()).collect(),
    ));
    out.push((
        "UTF-16BE".into(),
        units.iter().flat_map(|u| u.to_be_bytes()).collect(),
    ));
    out.push(("hex".into(), hex::encode(secret).into_bytes()));
    out.push(("HEX".into(), hex::encode_upper(secret).into_bytes()));
    let escaped: String = secret
        .encode_utf16()
        .map(|u| format!("\\u{u:04x}"))
        .collect();
    out.push(("JSON \\u escapes".into(), escaped.into_bytes()));
    let percent: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
    out.push(("percent-encoded".into(), percent.into_bytes()));
    // Inside a longer base64 text the secret can start at any of three byte offsets; keep the
    // characters that depend on the secret's bytes alone.
    for (name, engine) in [
        ("base64", &base64::engine::general_purpose::STANDARD_NO_PAD),
        (
            "base64url",
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ),
    ] {
        for offset in 0..3usize {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(secret.as_bytes());
            let text = engine.encode(&bytes);
            let skip = [0, 2, 3][offset];
            let core = &text[skip..text.len().saturating_sub(2).max(skip)];
            if core.len() >= 8 {
                out.push((
                    format!("{name} (offset {offset})"),
                    core.as_bytes().to_vec(),
                ));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every (file, secret, form) found in `files`, plus every file that could not be read (a scan
/// that skips a file proves nothing about it). A file gone since it was listed holds nothing.
pub fn find_secrets(files: &[PathBuf], secrets: &[(&str, &str)]) -> Vec<Found> {
    let forms: Vec<(String, Vec<u8>)> = secrets
        .iter()
        .flat_map(|(what, secret)| {
            secret_forms(secret)
                .into_iter()
                .map(move |(form, bytes)| (format!("{what} as {form}"), bytes))
        })
        .collect();
    let mut found = Vec::new();
    for file in files {
        match std::fs::read(file) {
            Ok(bytes) => found.extend(forms.iter().filter(|(_, n)| contains(&bytes, n)).map(
                |(what, _)| Found {
                    file: file.clone(),
                    what: what.clone(),
                },
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => found.push(Found {
                file: file.clone(),
                what: format!("unreadable, not scanned: {e}"),
            }),
        }
    }
    found
}

/// Every regular file under `root` (none if it does not exist).
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_found_inside_other_text() {
        let secret = "Correct-Horse-Battery-Staple-42";
        let dir = std::env::temp_dir().join(format!("kit-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut files = Vec::new();
        for (i, (form, bytes)) in secret_forms(secret).into_iter().enumerate() {
            let mut content = b"prefix\x00\x01".to_vec();
            content.extend(bytes);
            content.extend(b"suffix");
            let f = dir.join(format!("{i}.bin"));
            std::fs::write(&f, content).unwrap();
            files.push((form, f));
        }
        // A secret base64-encoded in the middle of a larger value, at each alignment.
        for pad in ["", "a", "ab"] {
            let text = base64::engine::general_purpose::STANDARD
                .encode(format!("{{\"x\":\"{pad}{secret}\"}}"));
            let f = dir.join(format!("b64{}.txt", pad.len()));
            std::fs::write(&f, text).unwrap();
            files.push(("embedded base64".into(), f));
        }
        for (form, f) in &files {
            let found = find_secrets(std::slice::from_ref(f), &[("password", secret)]);
            assert!(!found.is_empty(), "{form} not found");
        }
        let clean = dir.join("clean.txt");
        std::fs::write(&clean, "nothing to see").unwrap();
        assert!(find_secrets(&[clean], &[("password", secret)]).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
