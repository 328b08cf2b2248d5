#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzzer.cpp) with clang in
# build-fuzz/ and runs each for N seconds (default 60):
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# The corpus grows in build-fuzz/corpus/TARGET; crashes land in build-fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
if [ $# -gt 0 ]; then
  targets="$*"
else
  targets=$(for f in tests/fuzz/*_fuzzer.cpp; do basename "$f" .cpp; done)
fi
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFTGO_FUZZ=ON -DFTGO_BENCH=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build_dir" -j2 --target $targets
mkdir -p "$build_dir/crashes"
status=0
for t in $targets; do
  corpus="$build_dir/corpus/$t"
  mkdir -p "$corpus"
  # Seeds: the target's own corpus folder, and for the YAML loaders every test fixture.
  if [ -d "tests/fuzz/corpus/$t" ]; then cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true; fi
  if [ "$t" = yaml_fuzzer ]; then
    find tests/data/config -name '*.yaml' | while read -r f; do
      cp "$f" "$corpus/seed-$(echo "$f" | md5sum | cut -c1-12)"
    done
  fi
  echo "== $t for ${secs}s"
  if ! "$build_dir/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -artifact_prefix="$build_dir/crashes/$t-" -print_final_stats=1 "$corpus" 2>"$build_dir/$t.log"; then
    tail -40 "$build_dir/$t.log"
    echo "fuzz: $t found a problem; the input is in $build_dir/crashes/"
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build_dir/$t.log" || true
  fi
done
exit $status
