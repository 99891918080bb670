#!/usr/bin/env bash
# Runs the benchmarks against build/sendguard (`make bench` builds it first) and appends
# the results to bench/RESULTS.md. Arguments go to check_cost.py (e.g. --no-record).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x build/sendguard ]]; then
  echo "bench: build/sendguard is missing; run 'make build' first" >&2
  exit 1
fi
# Debian's interpreter: it has python3-requests and aiosmtpd, which the peers need.
export SENDGUARD_BENCH_COMMAND="bash bench/run.sh${*:+ $*}"
exec /usr/bin/python3 bench/check_cost.py "$@"
