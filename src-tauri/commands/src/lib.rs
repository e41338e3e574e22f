//! Every command Switchboard answers, declared once (`with_commands!`) and expanded by
//! each host into its own adapters: the window's IPC handler, the UI's TypeScript
//! bindings, the HTTP routes. Also the Tauri-free pieces the hosts share: where the data
//! lives, logging, the images the commands answer, and the local API's switch. No Tauri
//! dependency.

pub mod data_dir;
pub mod data_url;
mod host;
mod list;
pub mod local_api;
pub mod logging;
pub mod thumbnail;

pub use host::{FileOpener, Host};
pub use local_api::{LocalApiSettings, LocalApiStatus, LocalApiSwitch};
pub use switchboard_engine::{
    conversation, export, model, qr_image, s3, webhook_status, Engine, ErrorCode, ErrorPayload,
};

/// What every command answers: a value, or the engine's coded error.
pub type CommandResult<T> = Result<T, ErrorPayload>;

/// Expands the list into one plain async function per command, taking the host and the
/// typed arguments: what every host's adapter calls.
macro_rules! define_commands {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($host:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            // `?` converts each body's own error type; for a body that already answers
            // an ErrorPayload it is the identity, and that is fine.
            #[allow(clippy::needless_question_mark)]
            pub async fn $name(host: &Host, $($arg: $ty),*) -> CommandResult<$answer> {
                let $host = host;
                Ok($body?)
            }
        )*
    };
}

with_commands!(define_commands);
