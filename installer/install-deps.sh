#!/usr/bin/env bash
# Installs every Debian 12 package Quantscope needs to build, test and package it.
#   installer/install-deps.sh            build dependencies
#   installer/install-deps.sh --interop  also the npm runtimes the interop tests compare against
# Runs apt-get as root (directly, or through sudo).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PKGS=(
  build-essential cmake ninja-build pkg-config file
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-translations-l10n qt6-svg-dev
  libqcustomplot-dev
  libflatbuffers-dev flatbuffers-compiler
  libprotobuf-dev protobuf-compiler libonnx-dev libonnx-testdata
  libopencv-dev libyaml-cpp-dev
  libdnnl-dev
  xvfb xauth
  fonts-wqy-microhei  # the zh_CN interface (and its screenshot) needs a CJK font
  alsa-utils  # its recorded speech clips (/usr/share/sounds/alsa) feed the voice-activity models of the test zoo
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js runs the interop tests. Many machines ship a newer Node.js than Debian's; use it where present.
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--interop" ]; then
  # ONNX Runtime and LiteRT from npm, pinned in tests/interop/package.json. --ignore-scripts: onnxruntime-node's
  # install script would try to download CUDA files.
  if [ ! -d "$here/../tests/interop/node_modules/onnxruntime-node" ] || [ ! -d "$here/../tests/interop/node_modules/@litertjs/core" ]; then
    (cd "$here/../tests/interop" && npm install --ignore-scripts --no-audit --no-fund --no-package-lock --loglevel=error)
  fi
fi
