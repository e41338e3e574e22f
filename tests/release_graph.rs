//! What the release graphs may hold. Neither the app's nor the server's may contain the
//! switches that let the WhatsApp client trust a test server: they may only come in
//! through the engine's `insecure-test-server` feature, which a release build does not
//! enable. And the server builds and runs on a bare machine: no windowing toolkit, web
//! view or Tauri crate.

use std::process::Command;

const FORBIDDEN: [&str; 3] = [
    "danger-skip-cert-chain-verify",
    "danger-skip-tls-verify",
    "insecure-test-server",
];

/// The crates that carry a switch; the inverted tree lists every feature enabled on them
/// (the forward tree leaves feature nodes of dependencies out).
const GUARDED: [&str; 3] = [
    "whatsapp-rust",
    "whatsapp-rust-tokio-transport",
    "whatsapp-rust-ureq-http-client",
];

/// Crate-name prefixes of the desktop stack.
const DESKTOP: [&str; 7] = [
    "tauri",
    "gtk",
    "gdk",
    "webkit2gtk",
    "javascriptcore",
    "wry",
    "tao",
];

fn tree(package: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-p", package])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo tree prints UTF-8")
}

fn feature_tree(package: &str, extra: &[&str]) -> String {
    GUARDED
        .iter()
        .map(|krate| {
            let args = [&["-e", "normal,build,features", "-i", krate], extra].concat();
            tree(package, &args)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The desktop crates among `package`'s normal and build dependencies.
fn desktop_crates(package: &str) -> Vec<String> {
    let crates = tree(package, &["-e", "normal,build", "--prefix", "none"]);
    assert!(
        crates.lines().any(|l| l.starts_with("switchboard-engine ")),
        "the tree lists {package}'s crates"
    );
    crates
        .lines()
        .filter(|line| {
            let name = line.split(' ').next().unwrap_or_default();
            DESKTOP
                .iter()
                .any(|prefix| name == *prefix || name.starts_with(&format!("{prefix}-")))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn release_builds_have_no_test_server_switches() {
    for package in ["switchboard", "switchboard-server"] {
        let tree = feature_tree(package, &[]);
        assert!(
            tree.contains("whatsapp-rust feature \"sqlite-storage\""),
            "the tree lists the WhatsApp client's features"
        );
        for switch in FORBIDDEN {
            assert!(
                !tree.contains(switch),
                "{package}'s release graph contains {switch}"
            );
        }
    }
}

#[test]
fn the_test_feature_is_what_brings_them_in() {
    // Proves the check above looks at the right thing.
    let tree = feature_tree("switchboard", &["--features", "insecure-test-server"]);
    for switch in FORBIDDEN {
        assert!(tree.contains(switch), "{switch} is visible when enabled");
    }
}

#[test]
fn the_server_has_no_window_toolkit_web_view_or_tauri_crate() {
    let desktop = desktop_crates("switchboard-server");
    assert!(
        desktop.is_empty(),
        "desktop crates in the server: {desktop:?}"
    );
    // Proves the check looks at the right thing: the app has them.
    let app = desktop_crates("switchboard");
    for name in ["tauri ", "webkit2gtk ", "gtk "] {
        assert!(
            app.iter().any(|line| line.starts_with(name)),
            "{name}is in the app's graph: {app:?}"
        );
    }
}
