#!/usr/bin/env bash
# End-to-end: builds a test build of the app (UI embedded, talks to wa-mock) and wa-mock,
# then drives the real app window through tauri-driver and WebKitWebDriver under Xvfb.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}

(cd ui && npm run build)
cargo build --locked --features insecure-test-server,tauri/custom-protocol --bin switchboard
cargo build --locked -p wa-mock --bin wa-mock
cargo build --locked -p switchboard-server --bin switchboard-server

export SWITCHBOARD_APP="$target/debug/switchboard"
export WA_MOCK_BIN="$target/debug/wa-mock"
export SWITCHBOARD_SERVER_BIN="$target/debug/switchboard-server"
export LANG=en_US.UTF-8
# A session bus for the single-instance and notification plugins, a display for WebKit.
xvfb-run -a -s '-screen 0 1280x800x24' dbus-run-session -- npm --prefix tests/e2e test
