# shellcheck shell=bash
# Sourced by scripts/resnet: which backend a command line asks for, before any JVM starts, since
# the tornado backend needs TornadoVM's JVM. The rule is the program's own: --backend wins, then
# --set backend=..., then (for train) the backend= key of the --task file, then jvm. Also the JVM backend's
# one option that depends on the machine (huge pages).
#
#   resnet_backend ROOT ARG...     prints jvm or tornado (or whatever name was given, for java to refuse)
#   resnet_asks_help ARG...        succeeds when the command line asks for help or the version
#   resnet_reads_fashion_mnist ROOT ARG...
#                                  succeeds when the command trains on Debian's Fashion-MNIST: train with
#                                  no data option and a task (the default one included) that names
#                                  dataset fashion-mnist and no data folder
#   resnet_page_options [FILE]     prints the JVM backend's extra page option: -XX:+UseTransparentHugePages
#                                  where the kernel gives huge pages on request (FILE, by default
#                                  /sys/kernel/mm/transparent_hugepage/enabled, shows [madvise]), else nothing

# The task file a train command reads (the default task without --task), or nothing.
resnet_task_file() {
  local root="$1"
  shift
  local task="" previous="" a
  [ "${1:-}" = train ] && task=tasks/fashion-mnist-resnet20.properties
  for a in "$@"; do
    [ "$previous" = --task ] && task="$a"
    case "$a" in --task=*) task="${a#--task=}" ;; esac
    previous="$a"
  done
  # a relative task is found from the working directory, else from the project (as the program does)
  if [ -n "$task" ] && [ ! -f "$task" ]; then
    task="$root/$task"
  fi
  if [ -n "$task" ] && [ -f "$task" ]; then
    echo "$task"
  fi
}

# The value of KEY in a task file: its last line, as java.util.Properties reads it (the key, then '=', ':'
# or blanks, then the value).
resnet_task_value() {
  sed -n "s/^[[:space:]]*$2[[:space:]]*[=:[:space:]][[:space:]]*\([^[:space:]]*\).*/\1/p" "$1" | tail -n 1
}

resnet_backend() {
  local root="$1"
  shift
  local option_backend="" set_backend="" previous="" a task task_backend=""
  for a in "$@"; do
    case "$previous" in
      --backend) option_backend="$a" ;;
      --set) case "$a" in backend=*) set_backend="${a#backend=}" ;; esac ;;
    esac
    case "$a" in
      --backend=*) option_backend="${a#--backend=}" ;;
      --set=backend=*) set_backend="${a#--set=backend=}" ;;
    esac
    previous="$a"
  done
  task=$(resnet_task_file "$root" "$@")
  [ -n "$task" ] && task_backend=$(resnet_task_value "$task" backend)
  echo "${option_backend:-${set_backend:-${task_backend:-jvm}}}"
}

resnet_reads_fashion_mnist() {
  local root="$1"
  shift
  local task
  [ "${1:-}" = train ] || return 1
  printf '%s\n' "$@" | grep -qE '^--(data|synthetic)|^(--set=)?data(set)?=' && return 1
  task=$(resnet_task_file "$root" "$@")
  [ -n "$task" ] && [ "$(resnet_task_value "$task" dataset)" = fashion-mnist ] \
    && [ -z "$(resnet_task_value "$task" data)" ]
}

resnet_asks_help() {
  local a
  for a in "$@"; do
    case "$a" in
      -h|--help|-V|--version) return 0 ;;
    esac
  done
  return 1
}

# Huge pages for the heap's tensors: ResNet-20's inference at 1x28x28 ran 5-13% faster with them on a Zen 5
# (benchmarks/README.md). Only where the kernel gives them on request: with [always] every process has them
# already, and with [never] the JVM would warn on every start that the flag does nothing.
resnet_page_options() {
  local mode
  mode=$(cat "${1:-/sys/kernel/mm/transparent_hugepage/enabled}" 2>/dev/null) || return 0
  case "$mode" in *"[madvise]"*) echo "-XX:+UseTransparentHugePages" ;; esac
}
