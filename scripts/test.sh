#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite (every label).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/install-compat.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j2 "$@"
