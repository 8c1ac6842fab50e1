#!/usr/bin/env bash
# The whole test suite again, built with AddressSanitizer (leaks included) and UndefinedBehaviorSanitizer into
# build-asan/ (-DQUANTSCOPE_SANITIZE=address,undefined). CI runs it after the README's test command.
# The output ends with CTest's summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/installer/install-deps.sh" --interop
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUANTSCOPE_SANITIZE=address,undefined >/dev/null
cmake --build "$root/build-asan" --parallel "$(nproc)" >/dev/null
cd "$root/build-asan"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure --timeout 1500
