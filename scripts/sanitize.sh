#!/usr/bin/env bash
# Builds ftgo with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/
# and runs the unit tests; with --e2e, the end-to-end suites too.
#   bash scripts/sanitize.sh [--e2e] [extra ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
labels=unit
targets="--target ftgo ftgo_tests"
if [ "${1:-}" = "--e2e" ]; then
  labels='unit|e2e'
  targets=""  # e2e suites may need helper targets: build everything
  shift
fi
build_dir=${ASAN_BUILD_DIR:-build-asan}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFTGO_SANITIZE=address,undefined -DFTGO_BENCH=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build_dir" -j2 $targets
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build_dir"
ctest --output-on-failure -j2 -L "$labels" "$@"
