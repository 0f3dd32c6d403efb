#!/usr/bin/env bash
# The streaming image pipeline's figures (benchmarks/README.md, "Image pipeline"):
#   benchmarks/data-pipeline.sh decode [THREADS...]   images/s and time per stage, 500x375 quality-90 JPEGs,
#                                                      the ImageNet training augmentation (default threads: 1 2)
#   benchmarks/data-pipeline.sh tar [THREADS...]       the same JPEGs packed into 8 WebDataset shards of 250
#   benchmarks/data-pipeline.sh memory [folder|tar]    peak RSS streaming 20,000 and 200,000 small JPEGs, as an
#                                                      image folder and as tar shards of 1,000 (default: both),
#                                                      three runs each and one each without the C2 compiler
#   benchmarks/data-pipeline.sh train [RUN...]         ResNet-18 at 224, batch 16, 2 compute threads, steady-state
#                                                      training images/s of each RUN (default: bench files):
#                                                      bench      `bench` on synthetic data (3 steps of warm-up, 25 timed)
#                                                      files      `train` on the JPEG files, 1 decoding thread
#                                                      files-N    the same with N decoding threads (files-2, ...)
#                                                      synthetic  `train --synthetic` (in-memory images)
#                                                      the `train` runs take 3 epochs of 20 steps and give the
#                                                      last one's images/s and the share of its time spent
#                                                      waiting for the next batch (metrics.csv's images_per_s,
#                                                      data_wait_s and seconds), after the JIT's warm-up
# Generated images go to $DATA_DIR (default /tmp/resnet-data-bench); they are made once and reused.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${DATA_DIR:-/tmp/resnet-data-bench}
# shellcheck source=scripts/jdk.sh
source "$root/scripts/jdk.sh"
pick_jdk
resnet="$root/scripts/resnet"

generate() {  # DIR COUNT CLASSES WIDTH HEIGHT
  if [ ! -f "$1/.complete" ]; then
    echo "generating $2 images of $4x$5 in $1 ..." >&2
    rm -rf "$1"
    "$JAVA_HOME/bin/java" "$root/benchmarks/GenerateImages.java" "$1" "$2" "$3" "$4" "$5" 0.9
    touch "$1/.complete"
  fi
}

echo "$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M') UTC"
case "${1:-decode}" in
  decode)
    shift || true
    generate "$data/photos" 2000 10 500 375
    for threads in "${@:-1 2}"; do
      for t in $threads; do
        "$resnet" data --data "$data/photos" --threads "$t" --batch 64 2>/dev/null
      done
    done
    ;;
  tar)
    shift || true
    generate "$data/photos" 2000 10 500 375
    if [ ! -f "$data/shards/train/classes.txt" ]; then
      "$JAVA_HOME/bin/java" "$root/benchmarks/MakeShards.java" "$data/photos/train" "$data/shards/train" 250
    fi
    for threads in "${@:-1 2}"; do
      for t in $threads; do
        "$resnet" data --dataset tar --data "$data/shards" --threads "$t" --batch 64 2>/dev/null
      done
    done
    ;;
  memory)
    generate "$data/small-20k" 20000 100 64 48
    generate "$data/small-200k" 200000 1000 64 48
    kinds=${2:-folder tar}
    for set in small-20k small-200k; do
      if [[ " $kinds " == *" tar "* && ! -f "$data/$set-shards/train/classes.txt" ]]; then
        "$JAVA_HOME/bin/java" "$root/benchmarks/MakeShards.java" "$data/$set/train" "$data/$set-shards/train" 1000
      fi
    done
    task=$(mktemp --suffix .properties)
    printf 'input=3x32x32\nresize=40\naugment_flip=true\nnormalization=pixel\nbatch=128\n' > "$task"
    stream() {  # KIND SET [LABEL]: one epoch, the JSON line
      local dir=$data/$2
      [ "$1" = tar ] && dir=$data/$2-shards
      echo "$1 $2${3:-}: $("$resnet" data --dataset "$1" --data "$dir" --task "$task" --input 3x32x32 --threads 2 \
        --json 2>/dev/null | tail -n 1)"
    }
    # The C2 compiler's arenas add 5-30 MB to a run's peak, depending on what it is compiling when the
    # rest peaks, so one run of each tells little: three of each in turn, then one of each without C2
    # (-XX:TieredStopAtLevel=1), whose peaks repeat to within a megabyte.
    for run in 1 2 3; do
      for kind in $kinds; do
        for set in small-20k small-200k; do
          stream "$kind" "$set"
        done
      done
    done
    for kind in $kinds; do
      for set in small-20k small-200k; do
        JAVA_TOOL_OPTIONS=-XX:TieredStopAtLevel=1 stream "$kind" "$set" " without C2"
      done
    done
    rm -f "$task"
    ;;
  train)
    shift
    generate "$data/photos" 2000 10 500 375
    recipe=(--model resnet18 --input 3x224x224 --set normalization=pixel --set augment_flip=true --batch 16
      --epochs 3 --limit-train 320 --lr 0.05 --threads 2)
    last_epoch() {  # RUN_DIR: the last epoch's images/s and wait for data, from metrics.csv
      tail -n 1 "$1/metrics.csv" | awk -F, '{printf "last epoch %.2f images/s, waiting for data %.2f s of %.1f s (%.1f%%)",
        $8, $12, $9, 100 * $12 / $9}'
    }
    for run in "${@:-bench files}"; do
      for r in $run; do
        out=$(mktemp -d)
        case "$r" in
          bench)
            echo "bench: $("$resnet" bench --model resnet18 --input 3x224x224 --classes 10 --batch 16 --mode train \
              --threads 2 --json | tail -n 1)"
            ;;
          files | files-[1-9]*)
            threads=1
            [ "$r" = files ] || threads=${r#files-}
            "$resnet" train "${recipe[@]}" --dataset folder --data "$data/photos" --set resize=256 \
              --set augment_scale=256,480 --set augment_lighting=0.1 --holdout 16 --data-threads "$threads" \
              --out "$out/run" --json >/dev/null
            echo "$r: $(last_epoch "$out/run")"
            ;;
          synthetic)
            "$resnet" train "${recipe[@]}" --synthetic --limit-test 16 --out "$out/run" --json >/dev/null
            echo "synthetic: $(last_epoch "$out/run")"
            ;;
          *)
            echo "train runs: bench, files, files-N, synthetic; not $r" >&2
            exit 2
            ;;
        esac
        rm -rf "$out"
      done
    done
    ;;
  *)
    echo "usage: $0 decode [THREADS...] | tar [THREADS...] | memory [folder|tar] | train [bench|files|files-N|synthetic]..." >&2
    exit 2
    ;;
esac
