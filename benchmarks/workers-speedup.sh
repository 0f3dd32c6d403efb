#!/usr/bin/env bash
# Speed-up of `scripts/resnet train --workers N` over one worker on this machine, measured side by
# side: rounds of (1 worker, N workers, N workers, 1 worker), each a short Fashion-MNIST run of the
# default task (ResNet-20, batch 128) on the first 3,840 images (30 steps). Prints each run's
# images/s and time split, and the median over rounds of each round's ratio (N / 1).
#
#   benchmarks/workers-speedup.sh [--workers 2] [--rounds 3] [--threads 2] [extra train options...]
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

run() { # $1 = workers; prints the JSON line
  "$root/scripts/resnet" train --epochs 1 --limit-train 3840 --limit-test 500 --threads "$threads" \
    --workers "$1" --out "$out/run" --json "${extra[@]}" 2>/dev/null | tail -n 1
}
field() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p" <<<"$2"; }

ratios=()
for ((r = 1; r <= rounds; r++)); do
  declare -A speed=()
  for w in 1 "$workers" "$workers" 1; do
    json=$(run "$w")
    ips=$(field images_per_s "$json")
    printf 'round %d, %d worker(s): %s images/s, train %s s, compute %s s, all-reduce and wait %s s\n' "$r" "$w" \
      "$ips" "$(field train_seconds "$json")" "$(field compute_seconds "$json")" "$(field allreduce_seconds "$json")"
    speed[$w]="${speed[$w]:-0} + $ips"
  done
  ratio=$(python3 -c "print(round(($(echo "${speed[$workers]}")) / ($(echo "${speed[1]}")), 3))")
  echo "round $r: speed-up $ratio"
  ratios+=("$ratio")
  unset speed
done
python3 -c "import statistics, sys; print('median speed-up of %s workers over 1: %s' % (sys.argv[1], statistics.median(map(float, sys.argv[2:]))))" \
  "$workers" "${ratios[@]}"
