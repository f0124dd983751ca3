#!/usr/bin/env bash
# Files dropped onto the app's window, as from a file manager (XDND, by tests/app/xdnd_drop.py):
# a CSV of points becomes the target, and a broken CSV dropped afterwards shows the error banner
# and keeps that target. The session saved after the last frame and the final screenshot tell.
# Needs Xvfb and python3 with python3-xlib (exit 77, skipped, without them).
# usage: app_drop.sh FLOWLAB PYTHON3 DIR
set -euo pipefail
flowlab=$1 python=$2 dir=$3
here=$(cd "$(dirname "$0")" && pwd)
"$python" -c 'import Xlib' 2>/dev/null || { echo "skipped: $python has no Xlib (python3-xlib)"; exit 77; }
rm -rf "$dir" && mkdir -p "$dir/state"
# A space in the name: the URI carries it percent-encoded, the app must get it back.
points="$dir/ring points.csv" garbage="$dir/garbage.csv"
"$python" "$here/app_drop_check.py" points "$points"
"$python" "$here/app_drop_check.py" garbage "$garbage"

n=$((90 + RANDOM % 100))
while [ -e /tmp/.X$n-lock ]; do n=$((n + 1)); done  # a display no other X server holds
display=:$n
Xvfb "$display" -screen 0 1024x700x24 >/dev/null 2>&1 &
xvfb=$!
app=
trap 'kill $app 2>/dev/null || true; kill $xvfb 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=$display

# 400 frames at 20 per second: the window stays up about 20 s, long enough for both drops.
"$flowlab" --width 1024 --height 700 --state-dir "$dir/state" --target moons --frames 400 \
  --max-fps 20 --save "$dir/dropped.flowlab" --screenshot "$dir/dropped.png" >"$dir/app.log" 2>&1 &
app=$!

# drop FILE: retried while the window is not up yet (xdnd_drop.py exits 3 until it finds it).
drop() {
  local why status
  for ((try = 0; try < 40; try++)); do
    kill -0 $app 2>/dev/null || { echo "the app exited before the drop of $1"; return 1; }
    status=0
    why=$("$python" "$here/xdnd_drop.py" flowlab "$1" 2>&1) || status=$?
    echo "$why" | grep -v "no window" || true
    [ $status -eq 3 ] || return $status
    sleep 0.5
  done
  echo "no window of the app to drop $1 on"
  return 1
}
drop "$points"
sleep 2  # the broken file comes a few frames later, as a second drop by hand would
drop "$garbage"
wait $app || { echo "the app failed ($?):"; cat "$dir/app.log"; exit 1; }
app=

"$python" "$here/app_drop_check.py" session "$dir/dropped.flowlab" "$points"
"$python" "$here/app_drop_check.py" banner "$dir/dropped.png" 40
echo "the dropped points became the target; the broken file showed the banner and changed nothing"
