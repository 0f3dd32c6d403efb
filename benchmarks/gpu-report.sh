#!/usr/bin/env bash
# The GPU report: everything the project measures on an NVIDIA node with no JDK and no network, from
# the bundle alone (scripts/bundle --fmnist), in one run that writes OUTDIR/gpu-report.log and
# OUTDIR/results.json. Made for a 16-core node with an H100 or H200, driver 580 and python3 with a CUDA
# PyTorch 2.x; it finishes within its budget (default 510 s, under 9 minutes with unpacking).
#
#   benchmarks/gpu-report.sh BUNDLE.tar.xz OUTDIR [--budget SECONDS] [--no-resnet50] [--data DIR] [--dry-run]
#
# In order, each part with its own timeout, and a part that no longer fits the budget is skipped
# (results.json says which):
#   1. unpack the bundle (to a temporary folder, not OUTDIR);
#   2. probe: nvidia-smi, TornadoVM's device list (bin/resnet tornado-devices), `command -v java`,
#      PyTorch's version and CUDA device;
#   3. `resnet check --backend tornado` on every TornadoVM device, side by side, while the JVM backend
#      trains the default recipe for 2 epochs on the Fashion-MNIST cut (its 16 cores are idle then);
#   4. `resnet bench` of ResNet-20, 3x32x32, batch 128, train and infer, on the JVM backend and on every
#      TornadoVM device (one process per device, so that a hang costs one row), then PyTorch on the GPU
#      (scripts/torch_interop.py bench --device cuda: fp32, cuDNN autotuner on); nvidia-smi samples the
#      GPU's memory during each run;
#   5. the same recipe for 2 epochs on the GPU (the PTX device when there is one, else the first OpenCL
#      GPU), its test accuracy beside the JVM backend's (same recipe, same seed);
#   6. ResNet-50, 3x224x224, batch 32, train and infer, the same way as 4 (last, as time allows;
#      --no-resnet50 leaves it out).
# --data DIR: the Fashion-MNIST cut (gzip IDX) when the bundle has none under data/fashion-mnist-cut.
# --dry-run: the same parts at toy sizes (ResNet-8, tiny batches, two kernel checks, 256 images), to
# try the script on a machine without a GPU: parts that need nvidia-smi or CUDA say so in one line and
# PyTorch runs on the CPU.
# Environment: PYTHON, the Python with PyTorch (default: python3).
set -uo pipefail

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }
bundle="" outdir="" budget=510 resnet50=yes data="" dry=no
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) budget=$2; shift 2 ;;
    --no-resnet50) resnet50=no; shift ;;
    --data) data=$2; shift 2 ;;
    --dry-run) dry=yes; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "gpu-report: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) if [ -z "$bundle" ]; then bundle=$1; elif [ -z "$outdir" ]; then outdir=$1; else
         echo "gpu-report: one bundle and one OUTDIR, got also $1" >&2; exit 2; fi; shift ;;
  esac
done
[ -n "$bundle" ] && [ -n "$outdir" ] || { usage >&2; exit 2; }
[ -f "$bundle" ] || { echo "gpu-report: no bundle at $bundle (make one with scripts/bundle --fmnist FILE.tar.xz)" >&2; exit 2; }
bundle=$(cd "$(dirname "$bundle")" && pwd)/$(basename "$bundle")
mkdir -p "$outdir" && outdir=$(cd "$outdir" && pwd)
log="$outdir/gpu-report.log"
: > "$log"
start=$(date +%s)
deadline=$((start + budget))
work=$(mktemp -d "${TMPDIR:-/tmp}/gpu-report.XXXXXX")
parts="$work/parts"
mkdir -p "$parts"
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$work"' EXIT
python=${PYTHON:-python3}

say() { echo "[$(date +%H:%M:%S) +$(( $(date +%s) - start ))s] $*" | tee -a "$log"; }
left() { echo $((deadline - $(date +%s))); }

# run NAME TIMEOUT MIN CMD...: runs CMD with its output in parts/NAME.out (and in the log), under
# min(TIMEOUT, what the budget has left); skips it when less than MIN seconds are left. The meta file
# has rc, seconds, timeout and why it was skipped.
run() {
  local name=$1 limit=$2 least=$3 t0 rc remaining
  shift 3
  remaining=$(left)
  if [ "$remaining" -lt "$least" ]; then
    say "$name: skipped (${remaining}s of the budget left, it needs ${least}s)"
    printf '{"skipped": "budget: %ss left, needs %ss"}\n' "$remaining" "$least" > "$parts/$name.meta"
    return 0
  fi
  [ "$limit" -le $((remaining - 5)) ] || limit=$((remaining - 5))
  say "$name: $* (timeout ${limit}s)"
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" > "$parts/$name.out" 2>&1
  rc=$?
  sed "s/^/  [$name] /" "$parts/$name.out" | grep -v "WARNING: .*incubator\|^  \[$name\] WARNING: A \(restricted\|terminally\)" >> "$log"
  printf '{"rc": %d, "seconds": %d, "timeout": %d}\n' "$rc" $(( $(date +%s) - t0 )) "$limit" > "$parts/$name.meta"
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    say "$name: TIMED OUT after ${limit}s"
  else
    say "$name: exit status $rc after $(( $(date +%s) - t0 ))s"
  fi
}

# GPU memory used, sampled every 200 ms while a part runs, into parts/NAME.mem.
memory_sampler_start() {
  if [ "$has_gpu" = yes ]; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$parts/$1.mem" 2>/dev/null &
    sampler=$!
  else
    sampler=""
  fi
}
memory_sampler_stop() {
  [ -z "$sampler" ] || { kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; }
}

# --- 1. unpack -------------------------------------------------------------------------------
say "gpu-report: bundle $bundle, output $outdir, budget ${budget}s, dry run: $dry"
if command -v xz >/dev/null 2>&1; then
  run unpack 120 30 tar -xJf "$bundle" -C "$work"
else
  # no xz on the node: Python's lzma reads it
  run unpack 180 30 "$python" -c 'import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    t.extractall(sys.argv[2], **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))' "$bundle" "$work"
fi
home=$(find "$work" -mindepth 2 -maxdepth 2 -name BUNDLE.txt -printf '%h\n' | head -n 1)
if [ -z "$home" ] || [ ! -x "$home/bin/resnet" ]; then
  say "gpu-report: the bundle did not unpack to a folder with bin/resnet; stopping"
  exit 1
fi
resnet="$home/bin/resnet"
cat "$home/BUNDLE.txt" >> "$log"
if [ -z "$data" ]; then
  data="$home/data/fashion-mnist-cut"
fi
[ -f "$data/train-images-idx3-ubyte.gz" ] || say "gpu-report: no Fashion-MNIST cut at $data: the training parts will fail (give --data DIR or bundle with --fmnist)"

# --- 2. probe --------------------------------------------------------------------------------
has_gpu=no
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  has_gpu=yes
  run probe-nvidia-smi 30 5 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader
  nvidia-smi >> "$log" 2>&1
else
  say "probe: no nvidia-smi or no NVIDIA GPU here: GPU memory is not sampled and PyTorch runs on the CPU"
fi
say "probe: java on PATH: $(command -v java || echo none); JAVA_HOME: ${JAVA_HOME:-unset}; cores: $(nproc)"
# the bundle must run without them
unset JAVA_HOME
run probe-devices 60 20 "$resnet" tornado-devices
run probe-torch 60 10 "$python" -c 'import json, torch; c = torch.cuda.is_available(); print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda, "cuda_available": c, "device": torch.cuda.get_device_name() if c else None}))'
torch_device=cpu
grep -q '"cuda_available": true' "$parts/probe-torch.out" 2>/dev/null && torch_device=cuda
[ "$torch_device" = cuda ] || say "probe: PyTorch sees no CUDA device: its runs use the CPU"

# TornadoVM's devices ("driver:device backend"), in its order, and the one to train on: PTX first,
# then an OpenCL GPU, then the first device.
devices=$(python3 - "$parts/probe-devices.out" <<'PY'
import re, sys
text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], errors="replace").read())
driver = "?"
for line in text.splitlines():
    m = re.match(r"\s*Driver:\s*(\S+)", line)
    if m:
        driver = m.group(1)
    m = re.search(r"Tornado device=(\d+:\d+)", line)
    if m:
        print(m.group(1), driver)
PY
)
ids=$(awk '{print $1}' <<<"$devices")
primary=$(awk '$2 == "PTX" {print $1; exit}' <<<"$devices")
[ -n "$primary" ] || primary=$(python3 - "$parts/probe-devices.out" <<'PY'
import re, sys
text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], errors="replace").read()).splitlines()
for i, line in enumerate(text):
    m = re.search(r"Tornado device=(\d+:\d+)", line)
    if m and i + 1 < len(text) and re.search(r"NVIDIA|GPU", text[i + 1]):
        print(m.group(1))
        break
PY
)
[ -n "$primary" ] || primary=$(head -n 1 <<<"$ids")
echo "$primary" > "$parts/primary"
if [ -z "$ids" ]; then
  say "probe: TornadoVM lists no device: the tornado parts are skipped"
else
  say "probe: TornadoVM devices: $(tr '\n' ' ' <<<"$devices"); training on $primary"
fi

# sizes: the real ones, or toy ones for a dry run on a machine without a GPU
if [ "$dry" = yes ]; then
  check_only=(--only kernels/RELU_FORWARD,kernels/ADD)
  r20=(--model resnet8 --input 3x16x16 --classes 10 --batch 8)
  r50=(--model resnet8 --input 3x16x16 --classes 10 --batch 4)
  small_steps=(--warmup 0 --iters 1 --repeats 1)
  large_steps=(--warmup 0 --iters 1 --repeats 1)
  train_size=(--model resnet8 --epochs 1 --batch 32 --limit-train 256 --limit-test 128)
else
  check_only=()
  r20=(--model resnet20 --input 3x32x32 --classes 10 --batch 128)
  r50=(--model resnet50 --input 3x224x224 --classes 1000 --batch 32)
  small_steps=(--warmup 3 --iters 10 --repeats 5)
  large_steps=(--warmup 1 --iters 2 --repeats 3)
  train_size=(--epochs 2 --limit-train 10000 --limit-test 2000)
fi
train_common=(train --task "$home/tasks/fashion-mnist-resnet20.properties" --data "$data" --seed 0 --json)

# --- 3. checks on every device, the JVM backend's training beside them ------------------------
pids=()
run train-jvm 240 60 "$resnet" "${train_common[@]}" "${train_size[@]}" --backend jvm --out "$work/train-jvm" &
pids+=($!)
for id in $ids; do
  run "check-${id/:/-}" 210 60 "$resnet" check --backend tornado --device "$id" "${check_only[@]}" --json &
  pids+=($!)
done
wait "${pids[@]}"

# --- 4. and 6. benchmarks --------------------------------------------------------------------
bench() {  # bench NAME LIMIT LEAST STEPS... -- MODEL ARGS...
  local name=$1 limit=$2 least=$3 id tag
  shift 3
  local -a steps=() model=()
  while [ "$1" != -- ]; do steps+=("$1"); shift; done
  shift
  model=("$@")
  for id in jvm $ids; do
    tag="bench-$name-${id/:/-}"
    memory_sampler_start "$tag"
    run "$tag" "$limit" "$least" "$resnet" bench --devices "$id" "${model[@]}" "${steps[@]}" --json
    memory_sampler_stop
  done
  tag="bench-$name-pytorch"
  memory_sampler_start "$tag"
  # torch_interop.py takes the same --model/--input/--classes/--batch/--mode
  run "$tag" 120 20 "$python" "$home/scripts/torch_interop.py" bench "${model[@]}" "${steps[@]}" \
    --device "$torch_device" --threads "$(nproc)"
  memory_sampler_stop
}
bench resnet20-train 180 40 "${small_steps[@]}" -- "${r20[@]}" --mode train
bench resnet20-infer 150 30 "${small_steps[@]}" -- "${r20[@]}" --mode infer

# --- 5. the recipe on the GPU ----------------------------------------------------------------
if [ -n "$primary" ]; then
  memory_sampler_start train-tornado
  run train-tornado 240 90 "$resnet" "${train_common[@]}" "${train_size[@]}" --backend tornado --device "$primary" \
    --out "$work/train-tornado"
  memory_sampler_stop
fi

if [ "$resnet50" = yes ]; then
  bench resnet50-train 200 90 "${large_steps[@]}" -- "${r50[@]}" --mode train
  bench resnet50-infer 150 60 "${large_steps[@]}" -- "${r50[@]}" --mode infer
else
  say "resnet50: left out (--no-resnet50)"
fi

# --- results.json ----------------------------------------------------------------------------
python3 - "$parts" "$outdir/results.json" "$start" "$budget" "$dry" "$has_gpu" "$torch_device" <<'PY'
import glob, json, os, re, sys, time
parts, out, start, budget, dry, has_gpu, torch_device = sys.argv[1:]


def last_json(name):
    try:
        lines = open(os.path.join(parts, name + ".out"), errors="replace").read().strip().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def meta(name):
    try:
        return json.load(open(os.path.join(parts, name + ".meta")))
    except (OSError, ValueError):
        return {"skipped": "not run"}


def tail(name, n=3):
    try:
        return open(os.path.join(parts, name + ".out"), errors="replace").read().strip().splitlines()[-n:]
    except OSError:
        return []


def peak(name):
    try:
        values = [float(v) for v in open(os.path.join(parts, name + ".mem")).read().split() if v.strip()]
        return max(values) if values else None
    except (OSError, ValueError):
        return None


def part(name):
    result = dict(meta(name))
    body = last_json(name)
    if body is not None:
        result["result"] = body
    elif "rc" in result:
        result["output_tail"] = tail(name)
    memory = peak(name)
    if memory is not None:
        result["gpu_memory_peak_mib"] = memory
    return result


names = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(parts, "*.meta")))
report = {
    "script": "benchmarks/gpu-report.sh",
    "dry_run": dry == "yes",
    "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(start))),
    "elapsed_seconds": int(time.time()) - int(start),
    "budget_seconds": int(budget),
    "gpu_visible": has_gpu == "yes",
    "pytorch_device": torch_device,
}
probe = {}
smi = tail("probe-nvidia-smi", 8)
if smi:
    probe["nvidia_smi"] = smi
probe["torch"] = last_json("probe-torch")
devices_text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(tail("probe-devices", 60)))
probe["tornado_devices"] = [l for l in devices_text.splitlines() if l.strip() and not l.startswith("WARNING")]
try:
    probe["training_device"] = open(os.path.join(parts, "primary")).read().strip() or None
except OSError:
    probe["training_device"] = None
report["probe"] = probe
report["checks"] = {n[len("check-"):].replace("-", ":"): part(n) for n in names if n.startswith("check-")}

# one table per configuration: a row per device (its bench JSON, the run's exit status, seconds and the
# GPU memory nvidia-smi saw), and PyTorch's run
benchmarks = {}
for n in names:
    m = re.match(r"bench-(resnet\d+-(?:train|infer))-(.+)$", n)
    if not m:
        continue
    config, who = m.group(1), m.group(2).replace("-", ":")
    table = benchmarks.setdefault(config, {"devices": [], "pytorch": None})
    run = part(n)
    body = run.pop("result", None)
    if who == "pytorch":
        table["pytorch"] = dict(body or {}, **run)
        continue
    rows = body.get("devices", []) if isinstance(body, dict) else []
    table["devices"].append(dict(rows[0] if rows else {"id": who}, run=run))
for table in benchmarks.values():
    table["devices"].sort(key=lambda row: (row.get("id") != "jvm", str(row.get("id"))))
    torch_rate = (table["pytorch"] or {}).get("images_per_s")
    for row in table["devices"]:
        if row.get("backend") == "tornado" and torch_rate and row.get("images_per_s"):
            row["vs_pytorch"] = round(row["images_per_s"] / torch_rate, 3)
report["benchmarks"] = benchmarks

training = {"jvm": part("train-jvm"), "tornado": part("train-tornado")}
accuracies = {k: v.get("result", {}).get("test_accuracy") for k, v in training.items()}
if all(isinstance(a, (int, float)) for a in accuracies.values()):
    training["test_accuracy_difference"] = round(accuracies["tornado"] - accuracies["jvm"], 5)
report["training"] = training
report["parts"] = {n: meta(n) for n in names}
json.dump(report, open(out, "w"), indent=1)
print(f"gpu-report: wrote {out}")
PY
say "gpu-report: done in $(( $(date +%s) - start ))s; results in $outdir/results.json, log in $log"
