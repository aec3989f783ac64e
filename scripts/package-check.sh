#!/usr/bin/env bash
# Run inside a clean Debian 12 (see `desk.sh package-check`): install the .deb as a user's
# machine would, then start the installed app under Xvfb with a D-Bus session and check what a
# desktop shows of it: the desktop entry, its icon, the window and the tray menu.
#
#   package-check.sh PACKAGE.deb          install and check (it runs itself with --session)
#   package-check.sh --session PROGRAM    inside the display and session: start and inspect
set -euo pipefail
say() { printf '==> %s\n' "$*" >&2; }
fail() { echo "package check failed: $*" >&2; exit 1; }
TRAY_MENU=/org/ayatana/NotificationItem/tray_icon_tray_app_main/Menu
LOGS=/root/.local/share/net.accountdesk.app/logs

bus() { gdbus call --session --dest "$1" --object-path "$2" --method "${@:3}" 2>/dev/null; }

# The dbusmenu layout exported by process $1, or nothing.
tray_menu_of() {
  local name
  for name in $(bus org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.ListNames \
      | grep -o ":1\.[0-9]*"); do
    if [ "$(bus org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.GetConnectionUnixProcessID "$name")" = "(uint32 $1,)" ]; then
      bus "$name" "$TRAY_MENU" com.canonical.dbusmenu.GetLayout 0 -- -1 "@as []" && return
    fi
  done
}

in_session() {
  echo -n check | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  "$1" >/tmp/account-desk.out 2>&1 &
  local app=$! menu="" _
  for _ in $(seq 60); do
    xdotool search --onlyvisible --name "^Account Desk$" >/dev/null 2>&1 && break
    sleep 1
  done
  xdotool search --onlyvisible --name "^Account Desk$" >/dev/null || fail "no window titled Account Desk"
  say "The window is mapped"
  for _ in $(seq 30); do
    menu=$(tray_menu_of "$app" || true)
    [[ "$menu" == *"Quit Account Desk"* ]] && break
    sleep 1
  done
  [[ "$menu" == *"Quit Account Desk"* ]] || fail "no tray menu on the session bus"
  say "The tray menu is on the bus: $(grep -o "'label': <'[^']*" <<<"$menu" | cut -d"'" -f4 | paste -sd '|')"
  kill -TERM "$app"
  wait "$app" || true
  local log
  log=$(cat "$LOGS"/account-desk.*.log 2>/dev/null || true)
  tail -1 <<<"$log" | grep -q stopped || fail "the app did not shut down cleanly: $(tail -3 <<<"$log")"
  say "It quit cleanly on SIGTERM"
}

if [ "${1:-}" = "--session" ]; then
  in_session "$2"
  exit
fi

deb=$1
export DEBIAN_FRONTEND=noninteractive
say "apt install the package (its dependencies come from the Debian mirror)"
apt-get update -qq
apt-get install -y -qq "$deb" >/dev/null
# The desktop around it, not part of the package: a display, a session bus, a keyring, tools.
apt-get install -y -qq xvfb xauth dbus dbus-x11 gnome-keyring xdotool libglib2.0-bin \
  desktop-file-utils >/dev/null

pkg=$(dpkg-deb -f "$deb" Package)
say "Installed $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
entry=$(dpkg -L "$pkg" | grep '^/usr/share/applications/.*\.desktop$' | head -1)
[ -n "$entry" ] || fail "no desktop entry"
desktop-file-validate "$entry" || fail "$entry does not validate"
exec_line=$(sed -n 's/^Exec=//p' "$entry")
icon=$(sed -n 's/^Icon=//p' "$entry")
bin=${exec_line%% *}
command -v "$bin" >/dev/null || fail "the entry starts $bin, which is not on PATH"
icons=$(dpkg -L "$pkg" | grep "/usr/share/icons/hicolor/.*/apps/$icon.png$" || true)
[ -n "$icons" ] || fail "no icon named $icon in the hicolor theme"
say "Desktop entry $entry: Exec=$exec_line, Icon=$icon ($(wc -l <<<"$icons") sizes)"

export HOME=/root XDG_RUNTIME_DIR=/tmp/account-desk-run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
rm -rf /root/.local/share/net.accountdesk.app /root/.local/share/keyrings
say "Starting $bin under Xvfb"
xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- bash "$0" --session "$bin"
say "The installed package works"
