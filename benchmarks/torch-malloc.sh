# Sourced by the benchmark scripts that run PyTorch. torch_malloc NAME sets torch_env, the environment
# (for `env`) PyTorch's runs get:
#   tcmalloc  gperftools' TCMalloc preloaded, as PyTorch's CPU performance tuning guide advises;
#             Debian's package libtcmalloc-minimal4
#   glibc     the C library's malloc, as a plain `python3` has it
# glibc's malloc hands every large freed block back to the kernel, so each step faults its tensors' pages
# in again: ResNet-20 training at batch 128 took about 30,000 page faults a step under glibc and almost
# none under TCMalloc, and ran 2.5x faster with TCMalloc, on 2 cores of a Zen 5 (benchmarks/README.md).
# jemalloc, the guide's other advice, ran 4-7x slower than glibc there with its default page decay.
torch_malloc() {
  case "$1" in
    tcmalloc)
      local lib
      lib=$(/sbin/ldconfig -p 2>/dev/null | awk '$1 == "libtcmalloc_minimal.so.4" {print $NF; exit}')
      if [ -z "$lib" ]; then
        echo "TCMalloc is missing: apt-get install libtcmalloc-minimal4 (or --torch-malloc glibc)" >&2
        return 1
      fi
      torch_env=(LD_PRELOAD="$lib") ;;
    glibc) torch_env=() ;;
    *) echo "--torch-malloc takes tcmalloc or glibc, not '$1'" >&2; return 2 ;;
  esac
}
