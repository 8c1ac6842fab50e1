#!/usr/bin/env bash
# Builds the Debian package: build/quantscope_<version>_amd64.deb (README's build first, then CPack's DEB
# generator; Depends computed by dpkg-shlibdeps). Then lintian checks it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/installer/install-deps.sh"
command -v dpkg-shlibdeps >/dev/null && command -v lintian >/dev/null || apt-get install -y -q dpkg-dev lintian
"$root/installer/build.sh"
cd "$root/build"
cpack -G DEB
deb="$(ls -t quantscope_*_amd64.deb | head -1)"
echo "== $root/build/$deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
echo "== lintian"
lintian --tag-display-limit 0 "$deb"
