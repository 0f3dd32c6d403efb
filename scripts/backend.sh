# shellcheck shell=bash
# Sourced by scripts/resnet: which backend a command line asks for, before any JVM starts, since
# the tornado backend needs TornadoVM's JVM. The rule is the program's own: --backend wins, then
# --set backend=..., then (for train) the backend= key of the --task file, then jvm.
#
#   resnet_backend ROOT ARG...     prints jvm or tornado (or whatever name was given, for java to refuse)
#   resnet_asks_help ARG...        succeeds when the command line asks for help or the version

resnet_backend() {
  local root="$1"
  shift
  local option_backend="" set_backend="" task="" previous="" a
  [ "${1:-}" = train ] && task=tasks/fashion-mnist-resnet20.properties
  for a in "$@"; do
    case "$previous" in
      --backend) option_backend="$a" ;;
      --task) task="$a" ;;
      --set) case "$a" in backend=*) set_backend="${a#backend=}" ;; esac ;;
    esac
    case "$a" in
      --backend=*) option_backend="${a#--backend=}" ;;
      --task=*) task="${a#--task=}" ;;
      --set=backend=*) set_backend="${a#--set=backend=}" ;;
    esac
    previous="$a"
  done
  local task_backend=""
  # a relative task is found from the working directory, else from the project (as the program does)
  if [ -n "$task" ] && [ ! -f "$task" ]; then
    task="$root/$task"
  fi
  if [ -n "$task" ] && [ -f "$task" ]; then
    # the last backend line, as java.util.Properties reads it: the key, then '=', ':' or blanks, then the value
    task_backend=$(sed -n 's/^[[:space:]]*backend[[:space:]]*[=:[:space:]][[:space:]]*\([^[:space:]]*\).*/\1/p' \
      "$task" | tail -n 1)
  fi
  echo "${option_backend:-${set_backend:-${task_backend:-jvm}}}"
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
