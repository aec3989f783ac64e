//! Signing in: `PUT /v2/user_auth` (md5 credentials hash) or `PUT /v2/api_auth` (API key).

use crate::{ApiError, Client};
use desk_core::{AccountId, Secret};
use md5::{Digest, Md5};
use reqwest::Method;
use serde_json::{json, Value};

/// How the account is named at sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountRef {
    Name(String),
    Realm(String),
}

/// What the client signs in (and renews an expired session) with. The password itself is never
/// kept: only Kazoo's credentials hash, which lives in memory for the session.
#[derive(Debug, Clone)]
pub enum Credentials {
    Password {
        account: AccountRef,
        username: String,
        hash: Secret,
    },
    ApiKey(Secret),
}

impl Credentials {
    /// Kazoo's md5 credentials: hex md5 of `"<lower-case username>:<password>"`.
    pub fn password(account: AccountRef, username: &str, password: &str) -> Self {
        let username = username.trim().to_lowercase();
        let digest = Md5::digest(format!("{username}:{password}").as_bytes());
        Credentials::Password {
            account,
            username,
            hash: Secret::new(hex::encode(digest)),
        }
    }
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: Secret,
    pub account_id: AccountId,
    /// The signed-in user (absent for API-key sessions).
    pub owner_id: Option<String>,
    pub reseller_id: Option<String>,
    pub is_reseller: bool,
    pub account_name: Option<String>,
}

pub(crate) struct AuthState {
    pub session: Session,
    pub credentials: Option<Credentials>,
}

impl Client {
    /// Sign in and keep the credentials (in memory) to renew the session when it expires.
    pub async fn sign_in(&self, credentials: Credentials) -> Result<Session, ApiError> {
        self.authenticate(credentials).await
    }

    /// Continue with a token saved earlier; `credentials`, if given, renew it when it expires.
    pub fn resume(&self, token: Secret, account_id: AccountId, credentials: Option<Credentials>) {
        self.set_auth(Some(AuthState {
            session: Session {
                token,
                account_id,
                owner_id: None,
                reseller_id: None,
                is_reseller: false,
                account_name: None,
            },
            credentials,
        }));
    }

    pub fn sign_out(&self) {
        self.set_auth(None);
    }

    pub(crate) async fn authenticate(&self, credentials: Credentials) -> Result<Session, ApiError> {
        let (path, data) = match &credentials {
            // `cb_user_auth:find_account/4` tries the realm first and the name when the realm
            // finds nothing: one typed string goes as both.
            Credentials::Password { account, hash, .. } => {
                let value = match account {
                    AccountRef::Name(v) | AccountRef::Realm(v) => v,
                };
                (
                    "user_auth",
                    json!({"credentials": hash.expose(), "method": "md5",
                           "account_realm": value, "account_name": value}),
                )
            }
            Credentials::ApiKey(key) => ("api_auth", json!({"api_key": key.expose()})),
        };
        let reply = self
            .send(Method::PUT, path, &[], None, Some(&json!({ "data": data })))
            .await?;
        let decode_err = |detail: &str| ApiError::Decode {
            detail: detail.to_owned(),
            meta: crate::ErrorMeta {
                status: 200,
                message: "sign-in answer".into(),
                request_id: reply.request_id.clone(),
                retry_after: None,
            },
        };
        let token = reply.body["auth_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| decode_err("the sign-in answer has no auth_token"))?;
        let data = reply.data();
        let account_id = data["account_id"]
            .as_str()
            .and_then(|s| AccountId::parse(s).ok())
            .ok_or_else(|| decode_err("the sign-in answer has no valid account_id"))?;
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let session = Session {
            token: Secret::new(token),
            account_id,
            owner_id: text(&data["owner_id"]),
            reseller_id: text(&data["reseller_id"]),
            is_reseller: data["is_reseller"].as_bool().unwrap_or(false),
            account_name: text(&data["account_name"]),
        };
        self.set_auth(Some(AuthState {
            session: session.clone(),
            credentials: Some(credentials),
        }));
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_hash_lowercases_the_username() {
        let Credentials::Password { hash, username, .. } =
            Credentials::password(AccountRef::Name("Demo".into()), " Admin ", "demo")
        else {
            panic!()
        };
        assert_eq!(username, "admin");
        // md5("admin:demo")
        assert_eq!(hash.expose(), format!("{:x}", Md5::digest(b"admin:demo")));
    }
}
