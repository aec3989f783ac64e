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

impl From<ErrorView> for CommandError {
    fn from(v: ErrorView) -> Self {
        Self(Box::new(v))
    }
}

impl From<EngineError> for CommandError {
    fn from(e: EngineError) -> Self {
        e.view().into()
    }
}

impl From<ApiError> for CommandError {
    fn from(e: ApiError) -> Self {
        EngineError::from(e).into()
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        EngineError::from(e).into()
    }
}

impl From<SecretError> for CommandError {
    fn from(e: SecretError) -> Self {
        EngineError::from(e).into()
    }
}

/// An error that is not the engine's (start-up, clipboard).
pub fn app_error(code: &str, message: impl Into<String>) -> CommandError {
    ErrorView {
        code: code.to_owned(),
        message: message.into(),
        field: None,
        fields: Vec::new(),
        status: None,
        request_id: None,
        server_message: None,
    }
    .into()
}
