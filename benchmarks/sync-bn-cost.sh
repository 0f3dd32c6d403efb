#!/usr/bin/env bash
# What --sync-bn costs: `scripts/resnet train --workers N --sync-bn` against `--workers N`, side by
# side in rounds of (plain, sync, sync, plain), each a short Fashion-MNIST run of the default task
# (ResNet-20, batch 128) on the first 3,840 images (30 steps). Prints each run's steps/s, time split
# and all-reduce calls per step, and the median over rounds of each round's ratio (sync / plain).
#
#   benchmarks/sync-bn-cost.sh [--workers 2] [--rounds 3] [--threads 2] [extra train options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
workers=2 rounds=3 threads=$(nproc)
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # $@ = more train options; prints the JSON line
  "$root/scripts/resnet" train --epochs 1 --limit-train 3840 --limit-test 500 --threads "$threads" \
    --workers "$workers" --out "$out/run" --json "${extra[@]}" "$@" 2>/dev/null | tail -n 1
}
field() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p" <<<"$2"; }

ratios=()
for ((r = 1; r <= rounds; r++)); do
  declare -A speed=()
  for mode in plain sync sync plain; do
    if [ "$mode" = sync ]; then json=$(run --sync-bn); else json=$(run); fi
    steps_per_s=$(python3 -c "print(round($(field steps "$json") / $(field train_seconds "$json"), 3))")
    printf 'round %d, %s: %s steps/s, train %s s, compute %s s, all-reduce and wait %s s, %s all-reduce calls a step\n' \
      "$r" "$mode" "$steps_per_s" "$(field train_seconds "$json")" "$(field compute_seconds "$json")" \
      "$(field allreduce_seconds "$json")" "$(field allreduce_calls_per_step "$json")"
    speed[$mode]="${speed[$mode]:-0} + $steps_per_s"
  done
  ratio=$(python3 -c "print(round(($(echo "${speed[sync]}")) / ($(echo "${speed[plain]}")), 3))")
  echo "round $r: sync / plain $ratio"
  ratios+=("$ratio")
  unset speed
done
python3 -c "import statistics, sys; print('median speed of --sync-bn relative to plain, %s workers: %s' % (sys.argv[1], statistics.median(map(float, sys.argv[2:]))))" \
  "$workers" "${ratios[@]}"
