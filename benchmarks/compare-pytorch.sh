#!/usr/bin/env bash
# Side by side on this machine: `resnet bench` (JVM backend) and the same network in PyTorch
# (scripts/torch_interop.py bench, Debian's python3-torch), train and infer, in ABBA order so that
# a drift in the machine's load hits both alike. Prints each measurement as JSON and the ratios.
#   benchmarks/compare-pytorch.sh [--model resnet20] [--input 3x32x32] [--batch 128] [--threads 2]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model=resnet20 input=3x32x32 batch=128 threads=2 classes=10
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --classes) classes=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
python=/usr/bin/python3
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "PyTorch is missing: apt-get install python3-torch" >&2
  exit 1
fi
ours() {
  "$root/scripts/resnet" bench --model "$model" --input "$input" --classes "$classes" --batch "$batch" \
    --threads "$threads" --mode "$1" --json 2>/dev/null | tail -n 1
}
theirs() {
  "$python" "$root/scripts/torch_interop.py" bench --model "$model" --input "$input" --classes "$classes" \
    --batch "$batch" --threads "$threads" --mode "$1" | tail -n 1
}
rate() { sed -n 's/.*"images_per_s": *\([0-9.]*\).*/\1/p'; }
for mode in train infer; do
  a1=$(ours "$mode"); b1=$(theirs "$mode"); b2=$(theirs "$mode"); a2=$(ours "$mode")
  printf '%s\n%s\n%s\n%s\n' "$a1" "$b1" "$b2" "$a2"
  ra=$(printf '%s\n%s\n' "$a1" "$a2" | rate | awk '{s+=$1} END {print s/NR}')
  rb=$(printf '%s\n%s\n' "$b1" "$b2" | rate | awk '{s+=$1} END {print s/NR}')
  awk -v m="$mode" -v a="$ra" -v b="$rb" 'BEGIN {printf "%s: tornado-resnet %.1f img/s, PyTorch %.1f img/s, ratio %.2f\n", m, a, b, a / b}'
done
