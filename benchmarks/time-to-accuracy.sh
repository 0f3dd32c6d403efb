#!/usr/bin/env bash
# Time to accuracy on this machine: a Fashion-MNIST recipe of tasks/ trained by `resnet train` (JVM
# backend) and by the same recipe in PyTorch (scripts/torch_interop.py train, Debian's python3-torch),
# one after the other. Per side it prints the final test accuracy, the first epoch at or above the
# target, the training seconds up to the end of that epoch (the epochs' own clocks: no start-up, no
# test passes) and the whole process's wall time; then the ratio of the two times to the target.
#
#   benchmarks/time-to-accuracy.sh                          the default task, target 94%
#   options: --task FILE (tasks/fashion-mnist-resnet20.properties), --target PERCENT (94),
#            --threads N (2), --rounds N (1: ours, PyTorch; 2 adds PyTorch, ours), --keep DIR (keep
#            the runs' folders and logs there), --torch-malloc tcmalloc|glibc (PyTorch's allocator,
#            benchmarks/torch-malloc.sh; tcmalloc), and for a short trial --epochs N, --limit-train N,
#            --limit-test N
#   benchmarks/time-to-accuracy.sh --report DIR [--target PERCENT]
#                                                           the table again from the runs kept in DIR
#
# Where a side misses the target, it also compares the times to the best accuracy every run reached.
#
# The full default task trains 20 epochs on each side: about an hour each on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
task=$root/tasks/fashion-mnist-resnet20.properties target=94 threads=2 rounds=1 keep="" report="" malloc=tcmalloc
limits=()
while [ $# -gt 0 ]; do
  case "$1" in
    --task) task=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    --torch-malloc) malloc=$2; shift 2 ;;
    --epochs|--limit-train|--limit-test) limits+=("$1" "$2"); shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
names=()
if [ -n "$report" ]; then
  [ -d "$report" ] || { echo "no folder $report" >&2; exit 2; }
  work=$(cd "$report" && pwd)
  for epochs in "$work"/*.epochs; do
    [ -f "$epochs" ] || { echo "no runs (NAME.epochs) in $report" >&2; exit 2; }
    names+=("$(basename "$epochs" .epochs)")
  done
else
  [ -f "$task" ] || { echo "no recipe at $task" >&2; exit 2; }
  python=/usr/bin/python3
  if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "PyTorch is missing: apt-get install python3-torch" >&2
    exit 1
  fi
  # shellcheck source=torch-malloc.sh
  . "$root/benchmarks/torch-malloc.sh"
  torch_malloc "$malloc" || exit
  if [ -n "$keep" ]; then
    mkdir -p "$keep"
    work=$(cd "$keep" && pwd)
  else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
  fi

  # shellcheck source=cpu-name.sh
  . "$root/benchmarks/cpu-name.sh"
  echo "CPU: $(cpu_name), $(nproc) CPUs; $threads threads; PyTorch's allocator: $malloc"
  echo "task: $task, target $target%; $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  # Build the jar now, so that no run includes a build.
  "$root/scripts/resnet" info --model resnet20 >/dev/null 2>&1

  # Each run leaves "epoch accuracy train_seconds" lines (accuracy in %, seconds summed) in $work/NAME.epochs
  # and its wall seconds in $work/NAME.wall.
  run_ours() {
    local name=$1 start
    start=$(date +%s.%N)
    "$root/scripts/resnet" train --task "$task" --threads "$threads" --out "$work/$name" ${limits[@]+"${limits[@]}"} \
      >"$work/$name.log" 2>&1 || { echo "resnet train failed; its log:" >&2; tail -n 20 "$work/$name.log" >&2; exit 1; }
    awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN {printf "%.1f\n", a - b}' > "$work/$name.wall"
    # metrics.csv: epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_s,seconds,...
    awk -F, 'NR > 1 {total += $9; printf "%d %.4f %.2f\n", $1, 100 * (1 - $7), total}' "$work/$name/metrics.csv" \
      > "$work/$name.epochs"
  }
  run_pytorch() {
    local name=$1 start
    start=$(date +%s.%N)
    env ${torch_env[@]+"${torch_env[@]}"} "$python" "$root/scripts/torch_interop.py" train --task "$task" --threads "$threads" ${limits[@]+"${limits[@]}"} \
      >"$work/$name.json" 2>"$work/$name.log" || { echo "torch_interop.py train failed:" >&2; cat "$work/$name.json" "$work/$name.log" >&2; exit 1; }
    awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN {printf "%.1f\n", a - b}' > "$work/$name.wall"
    "$python" -c 'import json, sys
for e in json.load(open(sys.argv[1]))["epochs"]:
    print(e["epoch"], "%.4f" % (100 * e["test_accuracy"]), e["train_seconds"])' "$work/$name.json" > "$work/$name.epochs"
  }

  for ((r = 0; r < rounds; r++)); do
    if ((r % 2 == 0)); then order=(ours pytorch); else order=(pytorch ours); fi
    for side in "${order[@]}"; do
      name=$side-$((r + 1))
      echo "running $name ..." >&2
      "run_$side" "$name"
      names+=("$name")
    done
  done
fi

# "epoch seconds" of the first epoch at or above the target, or "- -".
reached() { awk -v t="$target" '$2 >= t {print $1, $3; found = 1; exit} END {if (!found) print "- -"}' "$1"; }
printf '\n| run | final test accuracy | epochs | first epoch >= %s%% | training s to it | training s, all | process wall s |\n' "$target"
printf '|---|---:|---:|---:|---:|---:|---:|\n'
for name in "${names[@]}"; do
  read -r epoch seconds < <(reached "$work/$name.epochs")
  printf '| %s | %.2f%% | %d | %s | %s | %.1f | %.1f |\n' "$name" "$(tail -n 1 "$work/$name.epochs" | cut -d' ' -f2)" \
    "$(wc -l < "$work/$name.epochs")" "$epoch" "$seconds" "$(tail -n 1 "$work/$name.epochs" | cut -d' ' -f3)" \
    "$(cat "$work/$name.wall")"
done
median_to_target() {
  for name in "${names[@]}"; do
    case "$name" in "$1"-*) reached "$work/$name.epochs" | cut -d' ' -f2 ;; esac
  done | { grep -v -- - || true; } | sort -n | awk '{v[NR] = $1} END {if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
ours=$(median_to_target ours) theirs=$(median_to_target pytorch)
if [ -n "$ours" ] && [ -n "$theirs" ]; then
  echo
  echo "training seconds to $target%: ours $ours, PyTorch $theirs; ours / PyTorch = $(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')"
else
  echo
  echo "the target $target% was not reached by $([ -z "$ours" ] && echo "ours")$([ -z "$ours" ] && [ -z "$theirs" ] && echo " and ")$([ -z "$theirs" ] && echo "PyTorch")"
  # The best accuracy every run reached, and each side's median time to it.
  target=$(for name in "${names[@]}"; do sort -k2,2n "$work/$name.epochs" | tail -n 1 | cut -d' ' -f2; done |
    sort -n | awk 'NR == 1 {printf "%.2f", int($1 * 100) / 100}')
  ours=$(median_to_target ours) theirs=$(median_to_target pytorch)
  if [ -n "$ours" ] && [ -n "$theirs" ]; then
    echo "training seconds to $target%, the best accuracy every run reached: ours $ours, PyTorch $theirs; ours / PyTorch = $(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')"
  fi
fi
