//! How WebKitGTK draws, runs and caches the window. Switchboard's pages (a list, a chat, a
//! few dialogs) need neither GPU layers nor optimised JavaScript, and both cost memory in
//! the page process, measured with 100 numbers connected: accelerated compositing about
//! 80 MB (GL surfaces and the GL driver's state), JavaScriptCore's JIT tiers about 16 MB
//! (machine code and the profiles behind it). So the window is drawn without compositing
//! and its scripts run in JavaScriptCore's interpreter, unless the environment already
//! says otherwise: `WEBKIT_DISABLE_COMPOSITING_MODE=0` or `JSC_useJIT=1` bring either back.
//! Without compositing, WebKit's DMA-BUF renderer has no frames to carry, yet starting it
//! cost the app's process ~5 MB of GL driver state: it is off too, unless
//! `WEBKIT_DISABLE_DMABUF_RENDERER=0`. (WebKit's processes also inherit the allocator
//! settings of `malloc_tuning` in the engine, set before this runs.)

/// WebKit's switches, each with the value Switchboard runs with when the environment does
/// not set it.
const DEFAULTS: [(&str, &str); 3] = [
    ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ("JSC_useJIT", "0"),
];

/// Must run before WebKit starts, and before any other thread does (it sets variables of
/// this process's environment, which WebKit's processes inherit).
pub fn prefer_lean_webkit() {
    for (name, value) in DEFAULTS {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
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
