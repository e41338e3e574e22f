//! How WebKitGTK draws and caches the window. Switchboard's pages (a list, a chat, a few
//! dialogs) need no GPU layers, and WebKit's accelerated compositing costs the page process
//! about 80 MB (GL surfaces and the GL driver's state), measured with 100 numbers
//! connected. So the window is drawn without it, unless the environment already says
//! otherwise: `WEBKIT_DISABLE_COMPOSITING_MODE=0` brings compositing back.

const COMPOSITING_SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Must run before WebKit starts, and before any other thread does (it sets a variable
/// of this process's environment).
pub fn prefer_software_compositing() {
    if std::env::var_os(COMPOSITING_SWITCH).is_none() {
        std::env::set_var(COMPOSITING_SWITCH, "1");
    }
}

/// The window shows one page for the app's whole life and never navigates: WebKit's
/// memory cache of its loaded resources would only hold copies the page already has.
pub fn cache_as_document_viewer(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    window.with_webview(|webview| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = webview;
    })
}
