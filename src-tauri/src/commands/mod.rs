//! The IPC surface: thin commands grouped by domain. Each parses its arguments,
//! calls the engine, and lets errors cross as `{code, message}`.

#[cfg(test)]
mod bindings;
pub mod chats;
pub mod instances;
pub mod linking;
pub mod settings;

use switchboard_engine::ErrorPayload;

/// What every command answers: a value, or the engine's coded error.
pub type CommandResult<T> = Result<T, ErrorPayload>;

/// Declares a domain's commands from one description each, so the Tauri command and
/// its TypeScript signature (test builds write it to ui/src/bindings/commands.ts)
/// can never disagree. The first parameter names the engine inside the body; the
/// body answers `Result<T, E>` with any `E` that becomes an `ErrorPayload`.
macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($engine:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            pub async fn $name(
                engine: tauri::State<'_, switchboard_engine::Engine>,
                $($arg: $ty),*
            ) -> $crate::commands::CommandResult<$answer> {
                let $engine: &switchboard_engine::Engine = &engine;
                Ok($body?)
            }
        )*

        /// This module's commands as the UI calls them.
        #[cfg(test)]
        pub(super) fn signatures() -> Vec<super::bindings::Signature> {
            vec![$(
                super::bindings::Signature::of::<$answer>(
                    stringify!($name),
                    vec![$(super::bindings::Arg::of::<$ty>(stringify!($arg))),*],
                )
            ),*]
        }
    };
}
pub(crate) use commands;
