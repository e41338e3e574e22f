//! The app's release graph must never contain the switches that let the WhatsApp
//! client trust a test server. They may only come in through the engine's
//! `insecure-test-server` feature, which a release build does not enable.

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

fn app_feature_tree(extra: &[&str]) -> String {
    GUARDED
        .iter()
        .map(|krate| inverted_tree(krate, extra))
        .collect::<Vec<_>>()
        .join("\n")
}

fn inverted_tree(krate: &str, extra: &[&str]) -> String {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--locked",
            "--offline",
            "-p",
            "switchboard",
            "-e",
            "normal,build,features",
            "-i",
            krate,
        ])
        .args(extra)
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

#[test]
fn release_build_has_no_test_server_switches() {
    let tree = app_feature_tree(&[]);
    assert!(
        tree.contains("whatsapp-rust feature \"sqlite-storage\""),
        "the tree lists the WhatsApp client's features"
    );
    for switch in FORBIDDEN {
        assert!(!tree.contains(switch), "release graph contains {switch}");
    }
}

#[test]
fn the_test_feature_is_what_brings_them_in() {
    // Proves the check above looks at the right thing.
    let tree = app_feature_tree(&["--features", "insecure-test-server"]);
    for switch in FORBIDDEN {
        assert!(tree.contains(switch), "{switch} is visible when enabled");
    }
}
