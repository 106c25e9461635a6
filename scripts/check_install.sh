#!/usr/bin/env bash
# Installs the release build into a temporary prefix and builds and runs examples/link_treerec,
# a separate CMake project that finds the library with find_package(treerec); then installs the
# Python module there (component python) and imports it from a fresh interpreter. Run after
# `bash scripts/build.sh release`; scripts/test.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install build --prefix "$tmp/prefix" > "$tmp/install.log"
cmake -S examples/link_treerec -B "$tmp/build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/configure.log" \
  || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/build" > "$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
mkdir -p "$tmp/work"
"$tmp/build/link_treerec" "$tmp/work"
echo "install check: passed (find_package(treerec) from a separate project)"
if [ -d build/python/treerec ]; then
  cmake --install build --prefix "$tmp/prefix" --component python > "$tmp/install-python.log"
  site=$(cd "$tmp/prefix" && find . -path '*dist-packages/treerec' -type d | head -1)
  [ -n "$site" ] || { echo "install check: the python component installed no package"; exit 1; }
  (cd "$tmp/work" && PYTHONPATH="$tmp/prefix/${site%/treerec}" /usr/bin/python3 -c \
    "import treerec, os; assert treerec.__file__.startswith('$tmp'), treerec.__file__; print('install check: passed (import treerec', treerec.__version__ + ')')")
fi
