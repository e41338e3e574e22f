//! The IPC surface: every command of `switchboard-commands` as a Tauri command, and the
//! handler that registers them. Nothing here changes when a command is added.

use switchboard_commands::{CommandResult, Host};

/// Expands the command list into `#[tauri::command]` functions that call the shared
/// bodies, and the `generate_handler!` list of all of them.
macro_rules! tauri_commands {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($host:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            pub async fn $name(
                host: tauri::State<'_, Host>,
                $($arg: $ty),*
            ) -> CommandResult<$answer> {
                switchboard_commands::$name(&host, $($arg),*).await
            }
        )*

        /// Answers every command of the list over the window's IPC.
        pub fn handler<R: tauri::Runtime>(
        ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}

switchboard_commands::with_commands!(tauri_commands);
