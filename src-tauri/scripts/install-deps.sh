#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test Switchboard:
# Debian packages, the UI's npm packages (from the committed lock), three cargo tools
# (s3s-fs, the S3-compatible server of the tests, among them) and
# every crate of Cargo.lock.
# Safe to run again: it only installs what is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

apt_packages=(
  # build
  build-essential pkg-config curl wget file libwebkit2gtk-4.1-dev libgtk-3-dev libxdo-dev
  libssl-dev libayatana-appindicator3-dev librsvg2-dev
  # run and test a real window, and page tests in Chromium
  xvfb xauth x11-utils xdotool imagemagick dbus-x11 at-spi2-core webkit2gtk-driver
  chromium chromium-driver
)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cargo_tool() { # crate version [more cargo install options]
  if ! cargo install --list | grep -qx "$1 v$2:"; then
    echo "Installing $1 $2"
    cargo install "$1" --version "$2" --locked "${@:3}"
  fi
}
cargo_tool cargo-deny 0.20.2
cargo_tool tauri-driver 2.1.0
# The S3-compatible server the S3 media tests and benchmark run on loopback.
cargo_tool s3s-fs 0.14.1 --features binary

# Every platform's crates, not only this one's: the offline licence check reads the
# metadata of the whole graph (Windows, macOS and Android crates included).
echo "Fetching the crates of Cargo.lock for every platform"
(cd "$root" && cargo fetch --locked --quiet)

for dir in ui tests/e2e; do
  if [ ! -d "$root/$dir/node_modules" ] || [ "$root/$dir/package-lock.json" -nt "$root/$dir/node_modules/.package-lock.json" ]; then
    echo "Installing npm packages in $dir"
    (cd "$root/$dir" && npm ci --no-audit --no-fund)
  fi
done
