//! The server builds and runs on a bare machine: its dependency graph holds no windowing
//! toolkit, web view or Tauri crate, and its release graph none of the switches that let
//! the WhatsApp client trust a test server.

use std::process::Command;

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

const TEST_SWITCHES: [&str; 3] = [
    "danger-skip-cert-chain-verify",
    "danger-skip-tls-verify",
    "insecure-test-server",
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
fn no_window_toolkit_web_view_or_tauri_crate_is_built() {
    let desktop = desktop_crates("switchboard-server");
    assert!(
        desktop.is_empty(),
        "desktop crates in the server: {desktop:?}"
    );
}

#[test]
fn the_check_sees_them_in_the_desktop_app() {
    // Proves the check above looks at the right thing.
    let desktop = desktop_crates("switchboard");
    for name in ["tauri ", "webkit2gtk ", "gtk "] {
        assert!(
            desktop.iter().any(|line| line.starts_with(name)),
            "{name}is in the app's graph: {desktop:?}"
        );
    }
}

#[test]
fn the_release_graph_has_no_test_server_switch() {
    let features = tree(
        "switchboard-server",
        &["-e", "normal,build,features", "-i", "whatsapp-rust"],
    );
    assert!(
        features.contains("whatsapp-rust feature \"sqlite-storage\""),
        "the tree lists the WhatsApp client's features"
    );
    for switch in TEST_SWITCHES {
        assert!(
            !features.contains(switch),
            "release graph contains {switch}"
        );
    }
}
