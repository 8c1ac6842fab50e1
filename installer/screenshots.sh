#!/usr/bin/env bash
# Regenerates the README's screenshots (resources/screenshots/*.png) with the real GUI under Xvfb: the sample
# model opened, quantized, its graph coloured by error, the results charts, a settings validation error and the
# Chinese UI; with a second argument, a model or project of yours instead of the sample. Needs a build (installer/build.sh) and xvfb (installer/install-deps.sh installs it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/resources/screenshots}"
HOME="$(mktemp -d)" xvfb-run -a -s "-screen 0 1600x1000x24" "$root/build/app/quantscope" --screenshots "$out" ${2:+"$2"}
ls -l "$out"
