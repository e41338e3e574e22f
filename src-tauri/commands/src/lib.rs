//! Every command Switchboard answers, declared once (`with_commands!`) and expanded by
//! each host into its own adapters: the window's IPC handler, the UI's TypeScript
//! bindings, the HTTP routes. Also the Tauri-free pieces the hosts share: where the data
//! lives, logging, and the images the commands answer. No Tauri dependency.

pub mod data_dir;
pub mod data_url;
mod list;
pub mod logging;
pub mod qr;

pub use switchboard_engine::{model, s3, Engine, ErrorPayload};

/// What every command answers: a value, or the engine's coded error.
pub type CommandResult<T> = Result<T, ErrorPayload>;

/// Expands the list into one plain async function per command, taking the engine and
/// the typed arguments: what every host's adapter calls.
macro_rules! define_commands {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($engine:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            pub async fn $name(engine: &Engine, $($arg: $ty),*) -> CommandResult<$answer> {
                let $engine = engine;
                Ok($body?)
            }
        )*
    };
}

with_commands!(define_commands);
