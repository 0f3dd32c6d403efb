# Sourced by the benchmark scripts. cpu_name prints the CPU's name with its family and model, which tell
# apart parts that share a name ("AMD EPYC" is a Zen 4 at family 25, a Zen 5 at 26).
cpu_name() {
  awk -F': *' '$1 ~ /^model name/ {name = $2} $1 ~ /^cpu family/ {family = $2} $1 ~ /^model[ \t]*$/ {model = $2}
    /^$/ {exit} END {printf "%s (family %s model %s)\n", name, family, model}' /proc/cpuinfo
}
