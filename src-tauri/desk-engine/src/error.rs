use crossbar::ApiError;
use desk_core::FieldError;
use desk_store::{SecretError, StoreError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("{}", input_sentence(.0))]
    InvalidInput(Vec<FieldError>),
    #[error("You are offline and this account has not been opened on this computer before.")]
    NotCached,
    #[error("Sign in first.")]
    NotSignedIn,
    #[error("No account with ID {0} is in your account tree.")]
    UnknownAccount(String),
    #[error(
        "This console is for resellers and admins: your user is not an admin of this account."
    )]
    NotAdmin,
    #[error("There is no pending change like that any more.")]
    NotPending,
    #[error("{0}")]
    ReadOnly(String),
}

impl From<FieldError> for EngineError {
    fn from(e: FieldError) -> Self {
        EngineError::InvalidInput(vec![e])
    }
}

fn input_sentence(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => format!(
            "{} fields need attention: {}",
            many.len(),
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// An error as the UI receives it: a stable `code` to branch on, a sentence, the field it
/// belongs to when there is one, and the server's details for the "Details" disclosure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorView {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
    pub fields: Vec<FieldMessage>,
    pub status: Option<u16>,
    pub request_id: Option<String>,
    pub server_message: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

impl EngineError {
    pub fn view(&self) -> ErrorView {
        let mut v = ErrorView {
            code: self.code().to_owned(),
            message: self.to_string(),
            field: None,
            fields: Vec::new(),
            status: None,
            request_id: None,
            server_message: None,
        };
        match self {
            EngineError::Api(api) => {
                if let Some(meta) = api.meta() {
                    v.status = Some(meta.status).filter(|s| *s != 0);
                    v.request_id = meta.request_id.clone();
                    v.server_message = Some(meta.message.clone()).filter(|m| !m.is_empty());
                }
                if let ApiError::Validation { fields, .. } = api {
                    v.fields = fields
                        .iter()
                        .map(|p| FieldMessage {
                            field: p.field.clone(),
                            message: p.message.clone(),
                        })
                        .collect();
                    v.field = fields.first().map(|p| p.field.clone());
                }
            }
            EngineError::InvalidInput(errors) => {
                v.field = errors.first().map(|e| e.field.to_owned());
                v.fields = errors
                    .iter()
                    .map(|e| FieldMessage {
                        field: e.field.to_owned(),
                        message: e.message.clone(),
                    })
                    .collect();
            }
            _ => {}
        }
        v
    }

    pub fn code(&self) -> &'static str {
        match self {
            EngineError::Api(e) => e.code(),
            EngineError::Store(StoreError::Locked(_)) => "data_folder_in_use",
            EngineError::Store(_) => "cache",
            EngineError::Secret(_) => "keyring",
            EngineError::InvalidInput(_) => "invalid_input",
            EngineError::NotCached => "not_cached",
            EngineError::NotSignedIn => "not_signed_in",
            EngineError::UnknownAccount(_) => "unknown_account",
            EngineError::NotAdmin => "not_admin",
            EngineError::NotPending => "not_pending",
            EngineError::ReadOnly(_) => "read_only",
        }
    }
}
