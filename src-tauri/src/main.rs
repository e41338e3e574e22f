// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // WebKitGTK's DMA-BUF renderer costs the page's process about 80 MB more resident
    // memory (measured: 261 -> 180 MB idle) and is a known cause of blank windows on some
    // GPUs; a list-and-form UI gains nothing from it. Set before any thread starts, so
    // WebKit reads it; a value the user chose is kept.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    switchboard_app::run();
}
