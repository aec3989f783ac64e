//! Errors cross IPC as `{code, message, field, fields, status, request_id}`: the engine's
//! [`ErrorView`], never a bare string.

use crossbar::ApiError;
use desk_engine::{EngineError, ErrorView};
use desk_store::{SecretError, StoreError};
use serde::Serialize;

/// An error on its way to the window (boxed: the view is large and errors are rare).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct CommandError(Box<ErrorView>);

pub type CommandResult<T> = Result<T, CommandError>;

impl CommandError {
    pub fn view(&self) -> &ErrorView {
        &self.0
    }
}

/// Every error a command returns passes here, so every failure reaches the log: its code,
/// field, status and request ID, and where in the shell it was raised — never its message,
/// which may quote what the user typed.
impl From<ErrorView> for CommandError {
    #[track_caller]
    fn from(v: ErrorView) -> Self {
        tracing::warn!(
            code = %v.code,
            field = v.field.as_deref().unwrap_or(""),
            status = v.status.unwrap_or_default(),
            request_id = v.request_id.as_deref().unwrap_or(""),
            at = %std::panic::Location::caller(),
            "command failed"
        );
        Self(Box::new(v))
    }
}

impl From<EngineError> for CommandError {
    #[track_caller]
    fn from(e: EngineError) -> Self {
        Self::from(e.view())
    }
}

impl From<ApiError> for CommandError {
    #[track_caller]
    fn from(e: ApiError) -> Self {
        Self::from(EngineError::from(e))
    }
}

impl From<StoreError> for CommandError {
    #[track_caller]
    fn from(e: StoreError) -> Self {
        Self::from(EngineError::from(e))
    }
}

impl From<SecretError> for CommandError {
    #[track_caller]
    fn from(e: SecretError) -> Self {
        Self::from(EngineError::from(e))
    }
}

/// An error that is not the engine's (start-up, clipboard).
#[track_caller]
pub fn app_error(code: &str, message: impl Into<String>) -> CommandError {
    CommandError::from(ErrorView {
        code: code.to_owned(),
        message: message.into(),
        field: None,
        fields: Vec::new(),
        status: None,
        request_id: None,
        server_message: None,
    })
}
