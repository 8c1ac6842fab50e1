#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each from the seed corpora in
# tests/fuzz/corpus (new inputs go to build-fuzz/corpus; the seeds stay minimal).
#   installer/run-fuzz.sh [RUNS] [TARGET...]          RUNS executions each (default 1,000,000)
#   installer/run-fuzz.sh --seconds S [TARGET...]     S seconds each, seed 1 (CI's bounded, reproducible run)
# Targets: onnx tflite ini yaml npy image bin. Exits non-zero when any target found a crash, leak or timeout; the
# reproducer is then in build-fuzz/findings/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
limit=(-runs=1000000)
if [ "${1:-}" = "--seconds" ]; then
  limit=(-max_total_time="$2" -seed=1)  # CI: a fixed seed, so that a run is reproducible
  shift 2
elif [ $# -gt 0 ]; then
  limit=(-runs="$1")
  shift
fi
targets=("${@:-onnx tflite ini yaml npy image bin}")
command -v clang++ >/dev/null && [ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null)" ] ||
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang libclang-rt-14-dev >/dev/null
CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUANTSCOPE_FUZZ=ON \
  -DQUANTSCOPE_BUILD_GUI=OFF -DQUANTSCOPE_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-fuzz" --parallel "$(nproc)" >/dev/null
# within a 512 MiB memory budget, so that decompression bombs (an 800-byte JPEG declaring 500 M pixels) are refused
# quickly, as they would be on a small machine, instead of timing out
export QUANTSCOPE_MEMORY_BUDGET="${QUANTSCOPE_MEMORY_BUDGET:-512M}"
failed=()
for t in ${targets[@]}; do
  mkdir -p "$root/build-fuzz/corpus/$t" "$root/build-fuzz/findings"
  echo "== fuzz_$t: ${limit[*]}"
  status=0
  "$root/build-fuzz/tests/fuzz/fuzz_$t" "$root/build-fuzz/corpus/$t" "$root/tests/fuzz/corpus/$t" "${limit[@]}" -max_len=65536 \
    -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$root/build-fuzz/findings/$t-" \
    >"$root/build-fuzz/fuzz_$t.log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY)" "$root/build-fuzz/fuzz_$t.log" || true
  [ "$status" = 0 ] || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (logs: build-fuzz/fuzz_<target>.log, inputs: build-fuzz/findings/)"
  exit 1
fi
