#!/usr/bin/env bash
# README command 2 (and what CI runs): installs what is needed, builds, and runs the whole test suite.
# The output ends with CTest's summary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/installer/install-deps.sh" --interop
"$root/installer/build.sh"
cd "$root/build"
ctest --output-on-failure --timeout 1500
