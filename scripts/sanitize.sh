#!/usr/bin/env bash
# Builds ftgo with AddressSanitizer + UndefinedBehaviorSanitizer (and
# LeakSanitizer) in build-asan/ and runs the test suite under it.
#   bash scripts/sanitize.sh             the whole suite: unit, e2e and compat
#   bash scripts/sanitize.sh --unit      the unit tests only (a few minutes)
#   bash scripts/sanitize.sh --e2e       unit and e2e (no compat)
#   bash scripts/sanitize.sh [...] ARGS  extra ctest args, e.g. -R e2e_cli
# Every sanitized process — ftgo_tests, each `ftgo` a test starts, the broker
# and the daemon `ftgo run` spawns, the compat C++ driver — writes its report
# to build-asan/sanitizer-logs/{asan,ubsan}.PID instead of a stderr nobody
# may read. The run fails when ctest fails or when any report exists
# afterwards, even if the test that started the process passed; the reports
# are printed. The Python, Node and Java clients and kcat are not sanitized;
# they exercise the sanitized broker over TCP.
set -euo pipefail
cd "$(dirname "$0")/.."
labels='unit|e2e|compat'
targets=""  # e2e and compat need helper targets (the compat C++ driver): build everything
case "${1:-}" in
  --unit) labels=unit; targets="--target ftgo_tests"; shift ;;
  --e2e) labels='unit|e2e'; shift ;;
esac
build_dir=${ASAN_BUILD_DIR:-build-asan}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFTGO_SANITIZE=address,undefined -DFTGO_BENCH=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build_dir" -j2 $targets
if [[ "$labels" == *compat* ]]; then bash scripts/install-compat.sh; fi

logs="$(cd "$build_dir" && pwd)/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
# abort/exitcode: a report also makes the process fail where someone waits for it.
# No strict_string_checks: it flags strndup(s, n) of an unterminated s, which is
# legal and which librdkafka does with strings from the wire.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$logs/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99:log_path=$logs/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

status=0
(cd "$build_dir" && ctest --output-on-failure -j2 -L "$labels" "$@") || status=$?

reports=$(find "$logs" -type f -size +0 | sort)
if [ -n "$reports" ]; then
  echo "sanitize: $(echo "$reports" | wc -l) sanitizer report(s) from processes the tests started:" >&2
  for f in $reports; do
    echo "==== $f" >&2
    cat "$f" >&2
  done
  status=1
fi
if [ "$status" -eq 0 ]; then
  echo "sanitize: labels $labels passed under ASan+UBSan+LSan; no sanitizer reports"
fi
exit "$status"
