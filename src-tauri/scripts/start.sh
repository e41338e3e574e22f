#!/usr/bin/env bash
# Quick start: install what is missing, build the app with its UI embedded, and launch it.
# Data goes to the OS app-data folder unless --data-dir PATH (or SWITCHBOARD_DATA_DIR) says otherwise;
# any arguments are passed on to the app.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$root/src-tauri/scripts/install-deps.sh"
cd "$root"
(cd ui && npm run build)
cargo build --release --locked --features tauri/custom-protocol
exec "${CARGO_TARGET_DIR:-$root/target}/release/switchboard" "$@"
