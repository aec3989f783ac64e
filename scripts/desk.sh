#!/usr/bin/env bash
# Account Desk set-up for Debian 12, as root or with sudo. Idempotent: installs only what is
# missing, then either runs the app or runs every test.
#
#   bash scripts/desk.sh run [app arguments]   install, build, open Account Desk (demo mode
#                                              unless --backend URL is given)
#   bash scripts/desk.sh test                  install, build, run formatting, lint and every
#                                              test, end-to-end ones in a real window; then
#                                              lint for Windows and link the Windows app
#   bash scripts/desk.sh package               build the release installers: Linux .deb and
#                                              .rpm, and a portable Windows zip
#   bash scripts/desk.sh package-check         install the .deb in a clean Debian 12 chroot and
#                                              start it there under Xvfb (icon, desktop entry,
#                                              window, tray)
#   bash scripts/desk.sh bench                 start-up, memory and idle figures of the release
#                                              app beside a bare Tauri window
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config curl ca-certificates file
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev libssl-dev libdbus-1-dev
  webkit2gtk-driver xvfb xauth dbus dbus-x11 gnome-keyring keyutils dunst libsecret-tools xdotool
  python3-xlib libglib2.0-bin
)
TAURI_DRIVER_VERSION=2.1.0
# The bundler of the Tauri release in Cargo.lock (2.12).
TAURI_CLI_VERSION=2.12.4
# Windows is built and linted here with the GNU toolchain (MinGW); MSVC needs a Windows runner.
WINDOWS_TARGET=x86_64-pc-windows-gnu
WINDOWS_PACKAGES=(gcc-mingw-w64-x86-64)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # A machine can hold a library newer than the one the mirror's -dev package was built
    # against ("Depends: libfoo (= 1.0) but 1.0+u1 is to be installed"): take the exact
    # versions apt asks for and try again, a few rounds at most.
    local pins="" found attempt
    for attempt in 1 2 3 4; do
      # shellcheck disable=SC2086
      if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades \
          $pins "${missing[@]}" 2>/tmp/account-desk-apt.err; then
        break
      fi
      found=$(sed -n 's/.*Depends: \([^ ]*\) (= \([^)]*\)) but .* is to be installed.*/\1=\2/p' \
        /tmp/account-desk-apt.err | sort -u | tr '\n' ' ')
      if [ -z "$found" ] || [ "$attempt" -eq 4 ]; then
        cat /tmp/account-desk-apt.err >&2
        exit 1
      fi
      pins="$pins $found"
      say "Aligning library versions with the mirror:$pins"
    done
  fi
  if ! command -v cargo >/dev/null; then
    echo "cargo is not installed: install the Rust toolchain (https://rustup.rs) and run this again." >&2
    exit 1
  fi
}

install_windows_target() {
  if ! command -v rustup >/dev/null; then
    echo "rustup is not installed, so the Windows target $WINDOWS_TARGET cannot be added: the Windows build cannot be checked." >&2
    exit 1
  fi
  if ! rustup target list --installed | grep -qx "$WINDOWS_TARGET"; then
    say "Adding the Rust target $WINDOWS_TARGET"
    if ! rustup target add "$WINDOWS_TARGET"; then
      echo "rustup could not add $WINDOWS_TARGET: the Windows build cannot be checked." >&2
      exit 1
    fi
  fi
}

# Lint everything as Windows sees it (its keyring, notification, tray and single-instance code,
# and the updater, which release builds leave out until a release channel exists) and link the
# Windows app.
check_windows() {
  say "Lint for Windows ($WINDOWS_TARGET)"
  cargo clippy --workspace --all-targets --locked --target "$WINDOWS_TARGET" \
    --features account-desk/updater -- -D warnings
  say "Linking the Windows app (target/$WINDOWS_TARGET/debug/account-desk.exe)"
  cargo build --locked --target "$WINDOWS_TARGET" --bin account-desk
}

install_tauri_cli() {
  if ! cargo install --list | grep -q "^tauri-cli v${TAURI_CLI_VERSION}:"; then
    say "Installing tauri-cli ${TAURI_CLI_VERSION} (the bundler; once, a few minutes)"
    cargo install tauri-cli --version "${TAURI_CLI_VERSION}" --locked
  fi
}

install_tauri_driver() {
  if ! cargo install --list | grep -q "^tauri-driver v${TAURI_DRIVER_VERSION}:"; then
    say "Installing tauri-driver ${TAURI_DRIVER_VERSION}"
    cargo install tauri-driver --version "${TAURI_DRIVER_VERSION}" --locked
  fi
}

# Run "$@" inside a private desktop session: Xvfb, a D-Bus session bus and an unlocked
# gnome-keyring, with XDG folders in a fresh temporary directory (an old login keyring would
# make every keyring call fail). Everything started here is stopped when "$@" ends.
with_session() {
  local tmp rc=0
  tmp=$(mktemp -d /tmp/account-desk-session.XXXXXX)
  mkdir -p "$tmp"/{data,config,cache,run}
  chmod 700 "$tmp/run"
  XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
  XDG_RUNTIME_DIR="$tmp/run" KEYRING_PW="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- bash -c '
      echo -n "$KEYRING_PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
      keyring_pid=$(pgrep -n -u "$(id -u)" gnome-keyring-d || true)
      trap "[ -n \"$keyring_pid\" ] && kill $keyring_pid 2>/dev/null" EXIT
      "$@"' _ "$@" || rc=$?
  rm -rf "$tmp"
  return "$rc"
}

# Node runs only the window code's formatter and linter (Biome, pinned in package-lock.json);
# a machine that already has npm (Debian's, or NodeSource's own) keeps it.
install_node() {
  command -v npm >/dev/null 2>&1 || install_packages nodejs npm
}

cmd_run() {
  install_packages
  say "Building Account Desk"
  cargo build --bin account-desk
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec target/debug/account-desk "$@"
  fi
  say "No display found: running on a virtual display (Xvfb). Stop with Ctrl+C."
  with_session target/debug/account-desk "$@"
}

cmd_test() {
  install_packages "${WINDOWS_PACKAGES[@]}"
  install_windows_target
  install_tauri_driver
  install_node
  local started=$SECONDS
  say "Formatting"
  cargo fmt --all -- --check
  say "Window code: format and lint (Biome)"
  npm ci --no-audit --no-fund --loglevel=error
  npx --no-install biome ci ui
  say "Lint"
  cargo clippy --workspace --all-targets --locked -- -D warnings
  say "Building tests"
  cargo test --workspace --all-targets --locked --no-run
  # The start-up benchmark's check run launches the bare window beside the app; a test build
  # makes only its unit-test harness, so build the program itself.
  cargo build --locked -p bare-window
  say "Running every test (end-to-end ones in a real window on Xvfb)"
  with_session cargo test --workspace --all-targets --locked
  check_windows
  say "All tests passed in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s"
}

VERSION=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' tauri.conf.json)
BUNDLES=target/release/bundle
WINDOWS_ZIP=target/$WINDOWS_TARGET/release/bundle/zip/Account-Desk_${VERSION}_x64-portable.zip

# Release installers. Linux: the .deb and .rpm through Tauri's bundler. Windows: the release
# .exe (MinGW) with WebView2Loader.dll in a portable zip; the NSIS installer is configured in
# tauri.conf.json for a Windows runner, since making it here needs plug-ins the bundler
# downloads at bundle time.
cmd_package() {
  install_packages "${WINDOWS_PACKAGES[@]}"
  install_windows_target
  install_tauri_cli
  local started=$SECONDS
  say "Linux installers (release build: whole-program optimisation takes a while)"
  cargo tauri build --ci --bundles deb,rpm -- --locked
  say "Windows app ($WINDOWS_TARGET, release)"
  cargo build --release --locked --target "$WINDOWS_TARGET" --features custom-protocol --bin account-desk
  local out=target/$WINDOWS_TARGET/release stage
  stage=$(mktemp -d /tmp/account-desk-zip.XXXXXX)
  mkdir -p "$stage/Account Desk" "$(dirname "$WINDOWS_ZIP")"
  cp "$out/account-desk.exe" "$stage/Account Desk/Account Desk.exe"
  cp "$out/WebView2Loader.dll" "$stage/Account Desk/"
  printf '%s\r\n' "Account Desk $VERSION, portable." "" \
    "Unzip anywhere and start Account Desk.exe. It needs the Microsoft Edge WebView2 Runtime," \
    "which Windows 11 and up-to-date Windows 10 already have (otherwise: https://go.microsoft.com/fwlink/p/?LinkId=2124703)." \
    "Data, the cache and logs go to %APPDATA%\\net.accountdesk.app; secrets to the Windows Credential Manager." \
    > "$stage/Account Desk/README.txt"
  rm -f "$WINDOWS_ZIP"
  (cd "$stage" && zip -qr -X "$OLDPWD/$WINDOWS_ZIP" "Account Desk")
  rm -rf "$stage"
  say "Made in $(( (SECONDS - started) / 60 )) min $(( (SECONDS - started) % 60 )) s:"
  ls -l "$BUNDLES"/deb/*.deb "$BUNDLES"/rpm/*.rpm "$WINDOWS_ZIP" >&2
}

# A clean Debian 12 (debootstrap, kept in $CHROOT between runs) gets the .deb through apt, as a
# user's machine would, then the installed app starts there under Xvfb with a D-Bus session:
# its desktop entry and icons must be where desktops look, its window must map and its tray
# menu must be on the bus.
CHROOT=${CHROOT:-/var/tmp/account-desk-chroot}
cmd_package_check() {
  install_packages debootstrap
  local deb
  deb=$(ls -t "$BUNDLES"/deb/*.deb 2>/dev/null | head -1 || true)
  [ -n "$deb" ] || { echo "No .deb under $BUNDLES/deb: run bash scripts/desk.sh package first." >&2; exit 1; }
  if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
    say "A clean Debian 12 in $CHROOT"
    as_root debootstrap --variant=minbase bookworm "$CHROOT" http://deb.debian.org/debian
  fi
  as_root mkdir -p "$CHROOT/tmp/pkg"
  as_root cp "$deb" "$CHROOT/tmp/pkg/account-desk.deb"
  as_root cp scripts/package-check.sh "$CHROOT/tmp/pkg/"
  as_root cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
  # What the app and WebKit need of a running system: processes, shared memory.
  mountpoint -q "$CHROOT/proc" || as_root mount -t proc proc "$CHROOT/proc"
  mountpoint -q "$CHROOT/dev/shm" || as_root mount -t tmpfs shm "$CHROOT/dev/shm"
  local rc=0
  as_root chroot "$CHROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    bash /tmp/pkg/package-check.sh /tmp/pkg/account-desk.deb || rc=$?
  # Session daemons the desktop started (D-Bus activation) outlive it: stop them, then unmount.
  local p
  for p in /proc/[0-9]*; do
    if [ "$(as_root readlink "$p/root" 2>/dev/null)" = "$CHROOT" ]; then
      as_root kill "${p#/proc/}" 2>/dev/null || true
    fi
  done
  sleep 1
  as_root umount "$CHROOT/dev/shm" "$CHROOT/proc"
  return "$rc"
}

# Start-up, memory and idle budgets: the release app and a bare Tauri window (the floor), both
# built for release, measured by tests/bench/startup.rs in a private desktop session. The
# measuring program itself is a test build: it only drives WebDriver and reads /proc.
cmd_bench() {
  install_packages
  install_tauri_driver
  say "Release builds of the app and the bare window"
  cargo build --release --locked --features custom-protocol --bin account-desk
  cargo build --release --locked -p bare-window --features bare-window/custom-protocol
  cargo test --locked --bench startup --no-run
  say "Measuring (about 5 minutes)"
  ACCOUNT_DESK_APP="$PWD/target/release/account-desk" \
    with_session cargo test --locked --bench startup -- --bench
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  package) shift; cmd_package "$@" ;;
  package-check) shift; cmd_package_check "$@" ;;
  bench) shift; cmd_bench "$@" ;;
  *) echo "usage: bash scripts/desk.sh run [--backend URL] [--data-dir DIR] | test | package | package-check | bench" >&2; exit 2 ;;
esac
