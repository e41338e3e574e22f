//! The IPC surface: thin commands grouped by domain. Each parses its arguments,
//! calls the engine, and lets errors cross as `{code, message}`.

pub mod chats;
pub mod instances;
pub mod linking;
pub mod settings;

use switchboard_engine::ErrorPayload;

/// What every command answers: a value, or the engine's coded error.
pub type CommandResult<T> = Result<T, ErrorPayload>;
