#!/usr/bin/env bash
# Installs every Debian 12 package treerec needs to build, test and benchmark.
# Idempotent: packages already present are left alone. Run as root (or via sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libgtest-dev libgmock-dev          # tests
  liblemon-dev                       # tests: LEMON's min-cost flow, the reference of the exact tree-learning solver
  libcli11-dev                       # command-line parsing
  nlohmann-json3-dev                 # JSON output
  libxxhash-dev                      # file checksums
  libabsl-dev                        # flat hash maps for raw-id mapping
  libdnnl-dev                        # matrix products (GEMM: oneDNN's sgemm)
  libopenblas-dev                    # matrix-vector products
  libcpp-httplib-dev libssl-dev      # treerec serve (HTTP)
  libtomlplusplus-dev                # experiment config files (TOML)
  libhnswlib-dev                     # approximate top-M for the YouTube baseline
  libopenmpi-dev openmpi-bin         # mpirun: training, evaluation and tree learning on several processes (docs/DISTRIBUTED.md)
  procps                             # pgrep: the MPI test finds a rank to kill
  pybind11-dev python3-dev python3-numpy  # the Python module (python/, docs/PYTHON.md)
  python3-pandas python3-pytest python3-tqdm  # its DataFrame input, its tests, progress bars
  clang libclang-rt-14-dev libomp-14-dev  # fuzz/: libFuzzer targets (scripts/build.sh fuzz)
  ccache                             # faster rebuilds (used when present)
  chromium                           # renders the HTML experiment report in a test
  wrk                                # HTTP load test in bench/
  time                               # /usr/bin/time in bench/ scripts
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
