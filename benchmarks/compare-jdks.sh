#!/usr/bin/env bash
# The JVM backend on each JDK given, side by side on this machine: `resnet bench` of one jar (built
# once by scripts/resnet, for Java 17 and newer) with scripts/jvm-options, the JDKs in turn and then
# in reverse order (ABBA; --rounds repeats it), so that a drift in the machine's load hits them alike.
# Per JDK it prints the median images/s, its ratio to the first JDK's, and the garbage collections
# per second in the second half of each run, once the JIT has compiled the step (none is the goal).
#
#   benchmarks/compare-jdks.sh                       every JDK 17 or newer under /usr/lib/jvm
#   benchmarks/compare-jdks.sh JDK_HOME JDK_HOME ...   these JDKs
#   options: --model NAME (resnet20), --input CxHxW (1x28x28), --batch N (128), --mode train|infer
#            (train), --threads N (2), --rounds N (2), --warmup N (40), --iters N (10)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model=resnet20 input=1x28x28 batch=128 mode=train threads=2 rounds=2 warmup=40 iters=10
jdks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --mode) mode=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --iters) iters=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) jdks+=("$1"); shift ;;
  esac
done

# shellcheck source=scripts/jdk.sh
source "$root/scripts/jdk.sh"
if [ ${#jdks[@]} -eq 0 ]; then
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/java" ] && [ ! -L "$candidate" ] || continue
    [ "$(jdk_feature_version "$candidate")" -ge 17 ] 2>/dev/null && jdks+=("$candidate")
  done
fi
if [ ${#jdks[@]} -lt 1 ]; then
  echo "no JDK 17 or newer under /usr/lib/jvm: name one or more JDK homes" >&2
  exit 1
fi
for jdk in "${jdks[@]}"; do
  version=$(jdk_feature_version "$jdk")
  if [ ! -x "$jdk/bin/java" ] || [ "${version:-0}" -lt 17 ]; then
    echo "$jdk is not a JDK 17 or newer" >&2
    exit 1
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/resnet" --version > /dev/null 2> "$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
jar=$root/target/tornado-resnet.jar

# shellcheck source=cpu-name.sh
. "$root/benchmarks/cpu-name.sh"
echo "CPU: $(cpu_name), $(nproc) CPUs; $model $input $mode, batch $batch, threads: $threads, rounds: $rounds"

# One bench run: appends "images/s GCs/s" to $work/<index>.
run() {
  local index=$1 jdk=$2 log=$work/gc.log out=$work/out.txt
  rm -f "$log"
  local start=$EPOCHREALTIME
  "$jdk/bin/java" "@$root/scripts/jvm-options" -Xlog:gc:file="$log":uptime -Dresnet.home="$root" \
    -cp "$jar" io.tornadoresnet.cli.Main bench --model "$model" --input "$input" --batch "$batch" --mode "$mode" \
    --threads "$threads" --warmup "$warmup" --iters "$iters" --repeats 1 > "$out" 2>&1 \
    || { echo "bench failed on $jdk:" >&2; cat "$out" >&2; exit 1; }
  local speed seconds
  seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {print b - a}')
  speed=$(sed -n 's/.*median \([0-9.,]*\) images\/s.*/\1/p' "$out" | head -n 1 | tr -d ,)
  # GCs in the second half of the run, by the JVM's uptime (which starts with the process).
  awk -v speed="$speed" -v end="$seconds" -F'[][]' '
    /Pause/ { t = $2; sub(/s$/, "", t); if (t >= end / 2) late++ }
    END { printf "%s %.1f\n", speed, late / (end / 2) }' "$log" >> "$work/$index"
}

for ((round = 0; round < rounds; round++)); do
  for ((i = 0; i < ${#jdks[@]}; i++)); do run "$i" "${jdks[$i]}"; done
  for ((i = ${#jdks[@]} - 1; i >= 0; i--)); do run "$i" "${jdks[$i]}"; done
done

median() { sort -g | awk '{v[n++] = $1} END {print (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2}'; }
echo
echo "| JDK | images/s, median | runs | vs first | GCs/s in the second half, median |"
echo "| --- | --- | --- | --- | --- |"
first=""
for ((i = 0; i < ${#jdks[@]}; i++)); do
  speed=$(cut -d' ' -f1 "$work/$i" | median)
  gcs=$(cut -d' ' -f2 "$work/$i" | median | xargs printf '%.1f')
  runs=$(cut -d' ' -f1 "$work/$i" | paste -sd/ -)
  first=${first:-$speed}
  version=$("${jdks[$i]}/bin/java" -version 2>&1 | head -n 1 | sed 's/.*version "\([^"]*\)".*/\1/')
  printf '| %s (%s) | %.1f | %s | %.2f | %s |\n' "$(basename "${jdks[$i]}")" "$version" "$speed" "$runs" \
    "$(awk -v a="$speed" -v b="$first" 'BEGIN {print a / b}')" "$gcs"
done
