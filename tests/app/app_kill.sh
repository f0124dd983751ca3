#!/usr/bin/env bash
# kill -9 of the app while it autosaves, N times: after every kill the recovery file and the
# session saved before the loop both load (flowlab sample reads them), and no temporary file of
# a killed save is left once the next run saves. Needs Xvfb.
# usage: app_kill.sh FLOWLAB DIR [N]
set -euo pipefail
flowlab=$1 dir=$2 rounds=${3:-100}
rm -rf "$dir" && mkdir -p "$dir/state"
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 800x600x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
export DISPLAY=$display
# A session saved by the app before the loop: it must survive every kill untouched.
"$flowlab" --width 800 --height 600 --frames 30 --max-fps 0 --save "$dir/kept.flowlab" \
  --state-dir "$dir/state" >/dev/null 2>&1
kept=$(sha256sum "$dir/kept.flowlab" | cut -d' ' -f1)
interrupted=0
for ((i = 0; i < rounds; i++)); do
  "$flowlab" --width 800 --height 600 --state-dir "$dir/state" --autosave-seconds 0.05 \
    --open "$dir/kept.flowlab" >/dev/null 2>&1 &
  app=$!
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", 0.6 + r / 32768 * 0.8 }')"
  kill -9 $app
  wait $app 2>/dev/null || true
  ls "$dir/state"/recovery.flowlab.tmp* >/dev/null 2>&1 && interrupted=$((interrupted + 1))
  if [ -e "$dir/state/recovery.flowlab" ]; then
    "$flowlab" sample "$dir/state/recovery.flowlab" --n 1 --out "$dir/r.csv" 2>/dev/null ||
      { echo "round $i: the recovery file does not load"; exit 1; }
  fi
  [ "$(sha256sum "$dir/kept.flowlab" | cut -d' ' -f1)" = "$kept" ] ||
    { echo "round $i: the kept session changed"; exit 1; }
done
[ -e "$dir/state/recovery.flowlab" ] || { echo "no recovery file was ever written"; exit 1; }
echo "$rounds kills: the recovery file and the kept session always loaded ($interrupted kills left a save unfinished)"
