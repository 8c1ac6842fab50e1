#!/usr/bin/env bash
# The GUI test (test_mainwindow: runs, re-plans, skip ticks, node clicks and cancels overlapping a worker thread)
# built with ThreadSanitizer into build-tsan/ (-DQUANTSCOPE_SANITIZE=thread). Any report fails it (TSan's exit code 66).
# Debian's Qt and libgomp are not instrumented: tests/tsan.supp drops the reports with a Qt frame (Qt's futex-based
# hand-overs are invisible to TSan) and OMP_THREAD_LIMIT=1 keeps OpenMP's parallel regions on one thread.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/installer/install-deps.sh"
cmake -S "$root" -B "$root/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUANTSCOPE_SANITIZE=thread >/dev/null
cmake --build "$root/build-tsan" --parallel "$(nproc)" --target test_mainwindow >/dev/null
cd "$root/build-tsan"
# The tests whose jobs overlap the GUI thread (a run, a re-plan, skip ticks, node clicks, a cancel, an export): the whole
# file takes 14-30 min under TSan on 2 cores; `tests/test_mainwindow -silent` alone runs them all.
QT_QPA_PLATFORM=offscreen QUANTSCOPE_TEST_TIMEOUT_SCALE=20 QTEST_FUNCTION_TIMEOUT=1800000 OMP_THREAD_LIMIT=1 \
  TSAN_OPTIONS="halt_on_error=0 exitcode=66 suppressions=$root/tests/tsan.supp" \
  timeout 2400 tests/test_mainwindow -silent testSampleWorkflow testSecondRunBesideTheFirstAndViewStateInTheProject \
  testAnalysisStandsWhenTheExportFails
echo "test_mainwindow under ThreadSanitizer: no reports"
