#!/usr/bin/env bash
# Side by side on this machine: `resnet bench` (JVM backend) and the same network in PyTorch
# (scripts/torch_interop.py bench, Debian's python3-torch), training and inference, in ABBA order
# (ours, PyTorch, PyTorch, ours; --rounds repeats it) so that a drift in the machine's load hits
# both alike, and the median of each side's runs. Per model and mode it prints images/s, the ratio,
# the whole step's achieved GFLOP/s beside the machine's peak, and each process's peak RSS.
#
#   benchmarks/compare-pytorch.sh                     ResNet-20 (3x32x32, 1x28x28) and ResNet-56
#                                                     (3x32x32) at batch 128, ResNet-50 (3x224x224)
#                                                     at batch 16
#   benchmarks/compare-pytorch.sh --model resnet20 --input 3x32x32 [--batch 128]   one model
#   options: --threads N (2), --rounds N (1), --modes "train infer", --warmup N (untimed steps per run,
#            both sides; by default per model, below), --torch-malloc tcmalloc|glibc (PyTorch's
#            allocator, benchmarks/torch-malloc.sh; tcmalloc), --json (also print every run)
#
# GFLOP/s counts 2 flops per multiply-add of the convolutions and the fully connected layer
# (`resnet info`): forward only for inference, 3x that for training (forward, input gradient,
# weight gradient). Peak: threads x fma pipes x fp32 lanes x 2 x clock, with the clock and the pipes
# measured by benchmarks/FmaPeak.java (its fma loop's own GFLOP/s is printed beside it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
threads=2 rounds=1 modes="train infer" json=0 one_model="" one_input="" one_batch="" warmup_steps="" malloc=tcmalloc
while [ $# -gt 0 ]; do
  case "$1" in
    --model) one_model=$2; shift 2 ;;
    --input) one_input=$2; shift 2 ;;
    --batch) one_batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --warmup) warmup_steps=$2; shift 2 ;;
    --torch-malloc) malloc=$2; shift 2 ;;
    --json) json=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
python=/usr/bin/python3
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "PyTorch is missing: apt-get install python3-torch" >&2
  exit 1
fi
if [ ! -x /usr/bin/time ]; then
  echo "GNU time is missing (peak RSS): apt-get install time" >&2
  exit 1
fi
# shellcheck source=torch-malloc.sh
. "$root/benchmarks/torch-malloc.sh"
torch_malloc "$malloc" || exit

# model input batch warmup iters repeats: few steps for the big nets, so that all of it runs in minutes.
# The warm-up covers the JIT: for about its first 15-20 steps the JVM compiles on threads that share
# the cores with the step, which a training run of thousands of steps does once (ResNet-20 training
# on 1x28x28, 2 cores of a Zen 4: 420-550 images/s after 2 warm-up steps, 670-690 after 20).
# PyTorch gets the same warm-up steps.
configs=(
  "resnet20 3x32x32 128 20 3 3"
  "resnet20 1x28x28 128 20 3 3"
  "resnet56 3x32x32 128 8 2 3"
  "resnet50 3x224x224 16 2 1 3"
)
if [ -n "$one_model" ]; then
  configs=("$one_model ${one_input:-3x32x32} ${one_batch:-128} 20 3 3")
fi
if [ -n "$warmup_steps" ]; then
  for i in "${!configs[@]}"; do
    read -r model input batch _ iters repeats <<<"${configs[$i]}"
    configs[$i]="$model $input $batch $warmup_steps $iters $repeats"
  done
fi

# shellcheck source=cpu-name.sh
. "$root/benchmarks/cpu-name.sh"
cpu_model=$(cpu_name)
cpuinfo_mhz=$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
if grep -qw avx512f /proc/cpuinfo; then isa=AVX-512; elif grep -qw avx2 /proc/cpuinfo; then isa=AVX2; else isa=SSE; fi
echo "CPU: $cpu_model, $(nproc) CPUs; $isa; /proc/cpuinfo says $cpuinfo_mhz MHz"
# The peak from the clock and fma pipes measured (benchmarks/FmaPeak.java): a virtual machine's
# /proc/cpuinfo gives its base clock, and Zen 4 runs a 512-bit fma as two halves.
# shellcheck source=../scripts/jdk.sh
. "$root/scripts/jdk.sh"
pick_jdk
fma_peak=$(java --add-modules jdk.incubator.vector "$root/benchmarks/FmaPeak.java" "$threads" 3 2>&1) &&
  peak=$(echo "$fma_peak" | sed -n 's/^peak: .* = \([0-9]*\) GFLOP\/s$/\1/p') && [ -n "$peak" ] ||
  { echo "benchmarks/FmaPeak.java gave no peak:" >&2; echo "$fma_peak" >&2; exit 1; }
echo "$fma_peak" | tail -n 3
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "PyTorch's allocator: $malloc"
# Build the jar now, so that no run below includes a build.
"$root/scripts/resnet" info --model resnet20 >/dev/null 2>&1

rss_file=$(mktemp)
trap 'rm -f "$rss_file"' EXIT
field() { sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p"; }
# Prints "images_per_s peak_rss_MiB"; the run's JSON too with --json.
measure() {
  local out
  out=$(/usr/bin/time -f '%M' -o "$rss_file" "$@" 2>/dev/null | tail -n 1)
  [ "$json" = 1 ] && echo "$out" >&2
  echo "$(echo "$out" | field images_per_s) $(awk '{printf "%.0f", $1 / 1024}' "$rss_file")"
}
median() { sort -n | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

printf '%-9s %-10s %-5s %5s | %9s %9s %6s | %7s %7s %5s | %8s %8s\n' model input mode batch \
  "ours/s" "torch/s" ratio "ours GF" "torch GF" "%peak" "ours MiB" "torch MiB"
for config in "${configs[@]}"; do
  read -r model input batch warmup iters repeats <<<"$config"
  macs=$("$root/scripts/resnet" info --model "$model" --input "$input" --classes 10 --json 2>/dev/null | tail -n 1 | field macs)
  for mode in $modes; do
    ours=("$root/scripts/resnet" bench --model "$model" --input "$input" --classes 10 --batch "$batch" --threads "$threads"
      --mode "$mode" --warmup "$warmup" --iters "$iters" --repeats "$repeats" --json)
    theirs=(env ${torch_env[@]+"${torch_env[@]}"} "$python" "$root/scripts/torch_interop.py" bench --model "$model" --input "$input" --classes 10 --batch "$batch"
      --threads "$threads" --mode "$mode" --warmup "$warmup" --iters "$iters" --repeats "$repeats")
    a=() b=()
    for _ in $(seq "$rounds"); do
      a+=("$(measure "${ours[@]}")"); b+=("$(measure "${theirs[@]}")")
      b+=("$(measure "${theirs[@]}")"); a+=("$(measure "${ours[@]}")")
    done
    ra=$(printf '%s\n' "${a[@]}" | cut -d' ' -f1 | median)
    rb=$(printf '%s\n' "${b[@]}" | cut -d' ' -f1 | median)
    ma=$(printf '%s\n' "${a[@]}" | cut -d' ' -f2 | median)
    mb=$(printf '%s\n' "${b[@]}" | cut -d' ' -f2 | median)
    awk -v model="$model" -v input="$input" -v mode="$mode" -v batch="$batch" -v ra="$ra" -v rb="$rb" -v ma="$ma" \
      -v mb="$mb" -v macs="$macs" -v peak="$peak" 'BEGIN {
        flops = 2 * macs * (mode == "train" ? 3 : 1)
        ga = ra * flops / 1e9; gb = rb * flops / 1e9
        printf "%-9s %-10s %-5s %5d | %9.1f %9.1f %6.2f | %7.1f %7.1f %5.0f | %8.0f %8.0f\n",
          model, input, mode, batch, ra, rb, ra / rb, ga, gb, 100 * ga / peak, ma, mb
      }'
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ratio = ours / PyTorch (medians of $((2 * rounds)) runs each); %peak is ours; MiB = peak RSS of the process"
