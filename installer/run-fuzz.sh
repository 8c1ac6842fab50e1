#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) into build-fuzz/ and runs each for RUNS executions
# (default 1,000,000) from the seed corpora in tests/fuzz/corpus (new inputs go to build-fuzz/corpus, the seeds stay
# minimal). Usage: installer/run-fuzz.sh [RUNS] [TARGET...]   targets: onnx tflite ini yaml npy
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-1000000}"
shift || true
targets=("${@:-onnx tflite ini yaml npy}")
command -v clang++ >/dev/null || apt-get install -y -q clang
CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUANTSCOPE_FUZZ=ON \
  -DQUANTSCOPE_BUILD_GUI=OFF -DQUANTSCOPE_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build-fuzz" --parallel "$(nproc)" >/dev/null
for t in ${targets[@]}; do
  mkdir -p "$root/build-fuzz/corpus/$t"
  echo "== fuzz_$t: $runs runs"
  "$root/build-fuzz/tests/fuzz/fuzz_$t" "$root/build-fuzz/corpus/$t" "$root/tests/fuzz/corpus/$t" -runs="$runs" -max_len=65536 \
    -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 2>&1 | grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss|==[0-9]+==ERROR|SUMMARY)" || true
done
