//! What the sign-in form asks for, checked before anything is sent, and which platform the app
//! opens at start.

use crate::profiles::{profile_id, AuthMethod, Profile, Profiles, DEMO_PROFILE};
use crate::EngineError;
use crossbar::{AccountRef, BaseUrl, ClientOptions, Credentials};
use desk_core::{FieldError, Realm, Secret};
use serde::Deserialize;
use std::path::Path;

/// The sign-in form. Deliberately not `Debug`: it carries a password or an API key.
#[derive(Deserialize)]
pub struct SignInForm {
    pub server: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub method: AuthMethod,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub api_key: String,
    #[serde(default)]
    pub remember: bool,
    /// Path of a PEM file of certificate authorities to trust ("" for none).
    #[serde(default)]
    pub ca_file: String,
}

impl SignInForm {
    /// The profile and credentials the form names; every missing or invalid field is reported,
    /// not just the first.
    pub fn read(self) -> Result<(Profile, Credentials), EngineError> {
        let mut errors = Vec::new();
        let base = match BaseUrl::parse(&self.server) {
            Ok(b) => Some(b),
            Err(_) if self.server.trim().is_empty() => {
                errors.push(FieldError::new(
                    "server",
                    "enter the server address, like https://pbx.example.com:8443",
                ));
                None
            }
            Err(e) => {
                errors.push(FieldError::new("server", e.to_string()));
                None
            }
        };
        let ca_file = Some(self.ca_file.trim().to_owned()).filter(|p| !p.is_empty());
        if let Some(Err(e)) = ca_file
            .as_deref()
            .map(|p| ClientOptions::default().with_ca_file(Path::new(p)))
        {
            errors.push(FieldError::new("ca_file", e));
        }
        let account = self.account.trim().to_owned();
        let username = self.username.trim().to_owned();
        let credentials = match self.method {
            AuthMethod::Password => {
                for (field, value, what) in [
                    ("account", &account, "the account name or realm"),
                    ("username", &username, "your user name"),
                ] {
                    if value.is_empty() {
                        errors.push(FieldError::new(field, format!("enter {what}")));
                    }
                }
                if self.password.is_empty() {
                    errors.push(FieldError::new("password", "enter your password"));
                }
                Credentials::password(account_ref(&account), &username, &self.password)
            }
            AuthMethod::ApiKey => {
                let key = self.api_key.trim();
                if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
                    errors.push(FieldError::new(
                        "api_key",
                        "an API key is 64 hexadecimal characters",
                    ));
                }
                Credentials::ApiKey(Secret::new(key))
            }
        };
        let Some(base) = base.filter(|_| errors.is_empty()) else {
            return Err(EngineError::InvalidInput(errors));
        };
        let server = base.as_str().to_owned();
        let profile = Profile {
            id: profile_id(
                &server,
                Some(account.as_str())
                    .filter(|a| !a.is_empty())
                    .unwrap_or("api-key"),
            ),
            label: if account.is_empty() {
                server.clone()
            } else {
                account.clone()
            },
            server,
            account,
            username: Some(username)
                .filter(|u| !u.is_empty() && self.method == AuthMethod::Password),
            method: self.method,
            remember: self.remember,
            account_id: None,
            ca_file,
        };
        Ok((profile, credentials))
    }
}

/// Kazoo signs in by account name or by realm: a single word that reads as a realm is one.
fn account_ref(account: &str) -> AccountRef {
    if !account.contains(' ') && Realm::parse(account).is_ok() {
        AccountRef::Realm(account.to_owned())
    } else {
        AccountRef::Name(account.to_owned())
    }
}

impl Profile {
    /// The HTTP client's options for this platform: its CA file, if it has one, trusted too.
    pub fn client_options(&self) -> Result<ClientOptions, EngineError> {
        let options = ClientOptions::default();
        match self.ca_file.as_deref() {
            None => Ok(options),
            Some(path) => options
                .with_ca_file(Path::new(path))
                .map_err(|e| FieldError::new("ca_file", e).into()),
        }
    }
}

/// What the app opens at start.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// A saved platform, or demo mode (`None`).
    Open(Option<Profile>),
    /// A server no saved profile uses: its sign-in form, with the address filled in.
    SignIn { server: String },
}

impl Profiles {
    /// The platform named by `--backend` (the one of its saved profiles used last), else the
    /// last one used, else demo mode. Demo mode is never "last used": a user who tried the demo
    /// and then signed in to a platform reopens the platform.
    pub fn start(&self, backend: Option<&str>) -> Result<Start, EngineError> {
        let Some(url) = backend else {
            let last = self
                .last_used
                .as_deref()
                .filter(|id| *id != DEMO_PROFILE)
                .and_then(|id| self.profiles.iter().find(|p| p.id == id));
            return Ok(Start::Open(last.cloned()));
        };
        let base = BaseUrl::parse(url)?;
        let known = self
            .profiles
            .iter()
            .filter(|p| p.server == base.as_str())
            .max_by_key(|p| self.last_used.as_deref() == Some(p.id.as_str()));
        Ok(match known {
            Some(p) => Start::Open(Some(p.clone())),
            None => Start::SignIn {
                server: base.as_str().to_owned(),
            },
        })
    }

    /// After a sign-in: `profile` is kept (replacing its older self, in label order) and is the
    /// one reopened next time. Demo mode is recorded as last used but never saved.
    pub fn remember(&mut self, profile: &Profile, demo: bool) {
        if !demo {
            self.profiles.retain(|p| p.id != profile.id);
            self.profiles.push(profile.clone());
            self.profiles.sort_by_key(|p| p.label.to_lowercase());
        }
        self.last_used = Some(profile.id.clone());
    }

    /// Drop a saved platform (and its "last used" mark).
    pub fn forget(&mut self, id: &str) {
        self.profiles.retain(|p| p.id != id);
        if self.last_used.as_deref() == Some(id) {
            self.last_used = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(server: &str, account: &str, username: &str, password: &str) -> SignInForm {
        SignInForm {
            server: server.into(),
            account: account.into(),
            method: AuthMethod::Password,
            username: username.into(),
            password: password.into(),
            api_key: String::new(),
            remember: true,
            ca_file: String::new(),
        }
    }

    fn fields(e: EngineError) -> Vec<String> {
        e.view().fields.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn every_missing_field_is_named_at_once() {
        let e = form("", "", "", "").read().err().unwrap();
        assert_eq!(fields(e), ["server", "account", "username", "password"]);
    }

    #[test]
    fn a_password_sign_in_makes_a_profile_named_for_the_account() {
        let (p, c) = form(
            "https://pbx.example.com:8443",
            " Acme Corp ",
            " Dana ",
            "pw",
        )
        .read()
        .unwrap();
        assert_eq!(p.label, "Acme Corp");
        assert_eq!(p.account, "Acme Corp");
        assert_eq!(p.username.as_deref(), Some("Dana"));
        assert!(
            p.server.starts_with("https://pbx.example.com:8443"),
            "{}",
            p.server
        );
        assert_eq!(p.id, profile_id(&p.server, "Acme Corp"));
        assert!(matches!(c, Credentials::Password { .. }));
    }

    #[test]
    fn a_realm_signs_in_by_realm_and_a_name_by_name() {
        assert!(matches!(
            account_ref("acme.sip.example.com"),
            AccountRef::Realm(_)
        ));
        assert!(matches!(account_ref("Acme Corp"), AccountRef::Name(_)));
    }

    #[test]
    fn an_api_key_is_64_hex_characters_and_needs_no_user() {
        let mut f = form("https://pbx.example.com:8443", "", "", "");
        f.method = AuthMethod::ApiKey;
        f.api_key = "abc".into();
        assert_eq!(fields(f.read().err().unwrap()), ["api_key"]);
        let mut f = form("https://pbx.example.com:8443", "", "someone", "");
        f.method = AuthMethod::ApiKey;
        f.api_key = "a".repeat(64);
        let (p, c) = f.read().unwrap();
        assert_eq!(p.username, None);
        assert_eq!(p.label, p.server);
        assert_eq!(p.id, profile_id(&p.server, "api-key"));
        assert!(matches!(c, Credentials::ApiKey(_)));
    }

    #[test]
    fn an_unreadable_ca_file_is_refused_on_its_field() {
        let mut f = form("https://pbx.example.com:8443", "Acme", "dana", "pw");
        f.ca_file = "/nonexistent/ca.pem".into();
        assert_eq!(fields(f.read().err().unwrap()), ["ca_file"]);
    }

    fn saved(id: &str, server: &str) -> Profile {
        let (mut p, _) = form(server, id, "dana", "pw").read().unwrap();
        p.id = id.into();
        p.label = id.into();
        p
    }

    #[test]
    fn start_opens_the_last_platform_and_never_the_demo_by_default() {
        let mut all = Profiles::default();
        assert_eq!(
            all.start(None).unwrap(),
            Start::Open(None),
            "nothing saved: demo"
        );
        let a = saved("a", "https://a.example.com");
        all.remember(&a, false);
        assert_eq!(all.start(None).unwrap(), Start::Open(Some(a.clone())));
        let demo = Profile {
            id: DEMO_PROFILE.into(),
            ..a.clone()
        };
        all.remember(&demo, true);
        assert_eq!(all.profiles.len(), 1, "the demo is not saved");
        assert_eq!(all.start(None).unwrap(), Start::Open(None));
    }

    #[test]
    fn a_backend_opens_its_last_used_profile_or_its_sign_in() {
        let mut all = Profiles::default();
        let (x, y) = (
            saved("x", "https://pbx.example.com"),
            saved("y", "https://pbx.example.com"),
        );
        all.remember(&y, false);
        all.remember(&x, false);
        assert_eq!(
            all.start(Some("https://pbx.example.com")).unwrap(),
            Start::Open(Some(x.clone()))
        );
        let other = all.start(Some("https://other.example.com")).unwrap();
        assert!(
            matches!(&other, Start::SignIn { server } if server.contains("other.example.com")),
            "{other:?}"
        );
        assert!(all.start(Some("not a url at all")).is_err());
        all.forget("x");
        assert_eq!(all.last_used, None);
        assert_eq!(
            all.start(Some("https://pbx.example.com")).unwrap(),
            Start::Open(Some(y))
        );
    }
}
