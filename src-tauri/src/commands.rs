//! The IPC surface: every command of `switchboard-commands` as a Tauri command, and the
//! handler that registers them. Nothing here changes when a command is added. Each
//! runs against the open engine, or answers why it could not be opened.

use switchboard_commands::CommandResult;

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
                app: tauri::AppHandle,
                $($arg: $ty),*
            ) -> CommandResult<$answer> {
                let host = crate::startup::host(&app).await?;
                switchboard_commands::$name(&host, $($arg),*).await
            }
        )*

        /// Answers every command of the list over the window's IPC.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }
    };
}

switchboard_commands::with_commands!(tauri_commands);
