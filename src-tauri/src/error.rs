//! The one error the UI receives: `{ kind, message, field }`.
//!
//! The UI switches on `kind` (the engine's stable error kinds, plus `busy` and `internal`
//! for the shell's own) and shows `message`, already in French, next to `field` when there
//! is one. It never parses a message.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct CommandError {
    pub kind: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
}

impl From<carnet::Error> for CommandError {
    fn from(e: carnet::Error) -> Self {
        CommandError {
            kind: e.kind(),
            message: e.to_string(),
            field: e.field(),
        }
    }
}

impl CommandError {
    pub fn internal(message: &str) -> Self {
        CommandError {
            kind: "internal",
            message: message.to_string(),
            field: None,
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
