#!/usr/bin/env bash
# The whole test suite: formatting, lints, licences, the Rust tests (engine, wa-mock,
# shell, release-graph check), the UI's type check, component and page tests, and the
# WebDriver end-to-end test of the real app window against wa-mock.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash src-tauri/scripts/install-deps.sh

step() { printf '\n==> %s\n' "$*"; }

step "UI build (embedded into the app by the Rust build)"
(cd ui && npm run build)

step "Rust formatting"
cargo fmt --all --check

step "Rust lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Licences and bans of the dependency graph"
cargo deny --offline check licenses bans

step "UI type check and component tests"
(cd ui && npm run check && npm test)

step "UI page tests in Chromium (screenshots in ui/screenshots/)"
(cd ui && npm run test:pages)

step "Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

step "End-to-end: the real app window against wa-mock"
bash tests/e2e/run.sh
