#!/usr/bin/env bash
# Runs every built harness for a bounded time on a copy of its seed corpus (the repo stays
# clean), prints each one's executions, and fails when any harness crashed.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS_PER_HARNESS
set -uo pipefail

build=${1:?build directory}
seconds=${2:-8}
here=$(cd "$(dirname "$0")" && pwd)
work="$build/fuzz-run"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for harness in "$here"/fuzz_*.cpp; do
  name=$(basename "$harness" .cpp)
  name=${name#fuzz_}
  rm -rf "${work:?}/$name" && mkdir -p "$work/$name/artifacts"
  cp -r "$here/corpus/$name" "$work/$name/corpus"
  dict=()
  [ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
  "$build/fuzz_$name" "$work/$name/corpus" "${dict[@]}" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$work/$name/artifacts/" >"$work/$name/log" 2>&1
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$name/log" | grep -o '[0-9]*$')
  if [ $status -eq 0 ]; then
    printf 'fuzz %-18s ok      %9s executions in %ss\n' "$name" "${runs:-?}" "$seconds"
  else
    printf 'fuzz %-18s FAILED  (exit %s), log: %s\n' "$name" "$status" "$work/$name/log"
    grep -E 'ERROR|SUMMARY|property violated|Test unit written' "$work/$name/log" | head -n 8 | sed 's/^/    /'
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzers that crashed: ${failed[*]} (replay: $build/fuzz_<name> <artifact>)"
  exit 1
fi
