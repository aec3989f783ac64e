//! Saved platforms (profiles) and app settings: small JSON files in the data folder. They hold
//! nothing secret — tokens and API keys are in the keyring under the profile's key.

use desk_store::{load_json, save_json, StoreError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    #[default]
    Password,
    ApiKey,
}

/// One saved platform: where, which account, as whom, and whether to remember the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    pub label: String,
    pub server: String,
    /// Account name or realm used at sign-in.
    pub account: String,
    pub username: Option<String>,
    pub method: AuthMethod,
    /// Keep the token (password sign-in) or the API key in the keyring between runs.
    pub remember: bool,
    /// The account ID the server signed this profile in to: what the profile is (its folder,
    /// outbox, intents and keyring entries belong to this account and no other).
    #[serde(default)]
    pub account_id: Option<String>,
    /// A PEM file of certificate authorities to trust for this server besides the operating
    /// system's store (a company's own CA in front of the platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profiles {
    pub profiles: Vec<Profile>,
    pub last_used: Option<String>,
}

/// Which clock times are shown in: the viewed account's zone or this computer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TimesIn {
    #[default]
    Local,
    Account,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Background sync interval (push pending edits, refresh the tree and open accounts).
    pub sync_interval_secs: u64,
    pub times_in: TimesIn,
    /// How often watched balances are read (one call per account).
    pub balance_poll_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            sync_interval_secs: 120,
            times_in: TimesIn::Local,
            balance_poll_secs: 300,
        }
    }
}

impl Settings {
    pub const MIN_INTERVAL: u64 = 15;
    pub const MAX_INTERVAL: u64 = 86_400;

    /// Clamp to a sane range rather than refusing: 0 or a typo must not hammer the server.
    pub fn normalized(mut self) -> Self {
        self.sync_interval_secs = self
            .sync_interval_secs
            .clamp(Self::MIN_INTERVAL, Self::MAX_INTERVAL);
        self.balance_poll_secs = self
            .balance_poll_secs
            .clamp(Self::MIN_INTERVAL, Self::MAX_INTERVAL);
        self
    }
}

/// The settings files of one data folder.
#[derive(Debug, Clone)]
pub struct ConfigFiles {
    dir: PathBuf,
}

impl ConfigFiles {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.to_owned(),
        }
    }

    pub fn profiles(&self) -> Profiles {
        load_json(&self.dir.join("profiles.json"))
    }

    pub fn save_profiles(&self, p: &Profiles) -> Result<(), StoreError> {
        save_json(&self.dir.join("profiles.json"), p)
    }

    pub fn settings(&self) -> Settings {
        load_json::<Settings>(&self.dir.join("settings.json")).normalized()
    }

    pub fn save_settings(&self, s: &Settings) -> Result<(), StoreError> {
        save_json(&self.dir.join("settings.json"), &s.clone().normalized())
    }

    /// The folder holding a profile's cache.
    pub fn profile_dir(&self, id: &str) -> PathBuf {
        if id == DEMO_PROFILE {
            self.dir.join("demo")
        } else {
            self.dir.join("profiles").join(id)
        }
    }
}

pub const DEMO_PROFILE: &str = "demo";

/// A readable, file-system-safe id for a server + account pair.
pub fn profile_id(server: &str, account: &str) -> String {
    let slug = |s: &str| -> String {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_matches('-').chars().take(60).collect()
    };
    let host = server
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches("/v2/")
        .trim_end_matches('/');
    format!("{}--{}", slug(host), slug(account))
}

/// The profile a sign-in to `account_id` on `server` belongs to. Identity comes from the server
/// (the account ID it signed in to), never from what was typed: two accounts never share a
/// folder, an outbox or keyring entries, whatever their names or however they signed in.
/// A profile saved before account IDs were recorded is reused under the name it was made with
/// (keeping its pending edits) unless it is known to be another account's.
pub fn profile_for(saved: &Profiles, server: &str, typed: &str, account_id: &str) -> String {
    let known = saved
        .profiles
        .iter()
        .find(|p| p.server == server && p.account_id.as_deref() == Some(account_id));
    if let Some(p) = known {
        return p.id.clone();
    }
    let legacy = profile_id(server, typed);
    let unclaimed = saved
        .profiles
        .iter()
        .any(|p| p.id == legacy && p.account_id.is_none());
    if unclaimed && !typed.is_empty() {
        return legacy;
    }
    profile_id(server, account_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(id: &str, account_id: Option<&str>) -> Profile {
        Profile {
            id: id.into(),
            label: id.into(),
            server: "https://pbx.example.com/v2/".into(),
            account: String::new(),
            username: None,
            method: AuthMethod::Password,
            remember: false,
            account_id: account_id.map(str::to_owned),
            ca_file: None,
        }
    }

    #[test]
    fn a_profile_is_the_servers_account_not_the_typed_name() {
        let server = "https://pbx.example.com/v2/";
        let (a, b) = ("a".repeat(32), "b".repeat(32));
        let none = Profiles::default();
        // Every API-key sign-in on a host, and names that slug alike, stay apart.
        assert_ne!(
            profile_for(&none, server, "", &a),
            profile_for(&none, server, "", &b)
        );
        assert_ne!(
            profile_for(&none, server, "Acme Corp", &a),
            profile_for(&none, server, "acme-corp", &b)
        );
        // A name with nothing ASCII in it still names a profile of its own.
        assert!(profile_for(&none, server, "東京商事", &a).ends_with(&a));
        // Saved with its account: found again whatever is typed.
        let mut list = Profiles::default();
        list.profiles.push(saved("pbx--mine", Some(&a)));
        assert_eq!(profile_for(&list, server, "ACME corp.", &a), "pbx--mine");
        // A legacy profile (no account recorded) keeps being used under its name …
        let mut list = Profiles::default();
        list.profiles
            .push(saved(&profile_id(server, "Acme Corp"), None));
        assert_eq!(
            profile_for(&list, server, "Acme Corp", &a),
            profile_id(server, "Acme Corp")
        );
        // … but never once it is known to be another account's.
        let mut list = Profiles::default();
        list.profiles
            .push(saved(&profile_id(server, "Acme Corp"), Some(&b)));
        assert_eq!(
            profile_for(&list, server, "Acme Corp", &a),
            profile_id(server, &a)
        );
    }

    #[test]
    fn ids_are_readable_and_safe() {
        assert_eq!(
            profile_id("https://pbx.example.com:8443/v2/", "Acme Corp"),
            "pbx-example-com-8443--acme-corp"
        );
        assert!(!profile_id("http://127.0.0.1:9/v2/", "../../etc").contains('/'));
    }

    #[test]
    fn settings_clamp_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        let files = ConfigFiles::new(dir.path());
        assert_eq!(files.settings(), Settings::default());
        files
            .save_settings(&Settings {
                sync_interval_secs: 0,
                times_in: TimesIn::Account,
                balance_poll_secs: 1_000_000,
            })
            .unwrap();
        let s = files.settings();
        assert_eq!(s.balance_poll_secs, Settings::MAX_INTERVAL);
        assert_eq!(
            (s.sync_interval_secs, s.times_in),
            (Settings::MIN_INTERVAL, TimesIn::Account)
        );
    }
}
