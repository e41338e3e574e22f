//! Files open with the app the desktop chooses for them (tauri-plugin-opener, called from
//! Rust: the window itself is given no opener permission).

use std::path::Path;

use switchboard_commands::FileOpener;
use switchboard_engine::{ErrorCode, ErrorPayload};
use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;

pub struct DesktopOpener(pub AppHandle);

impl FileOpener for DesktopOpener {
    fn open(&self, path: &Path) -> Result<(), ErrorPayload> {
        self.0
            .opener()
            .open_path(path.to_string_lossy(), None::<&str>)
            .map_err(|e| ErrorPayload {
                code: ErrorCode::IoError,
                message: format!("no app on this computer opened {}: {e}", path.display()),
            })
    }
}
