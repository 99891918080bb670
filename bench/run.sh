#!/usr/bin/env bash
# Runs the benchmarks against build/sendguard (`make bench` builds it first) and appends
# the results to bench/RESULTS.md. Arguments go to each benchmark (e.g. --no-record).
# Each runs even when an earlier one fails; the exit code is non-zero if any did.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x build/sendguard ]]; then
  echo "bench: build/sendguard is missing; run 'make build' first" >&2
  exit 1
fi
# Debian's interpreter: it has python3-requests and aiosmtpd, which the peers need.
export SENDGUARD_BENCH_COMMAND="bash bench/run.sh${*:+ $*}"
status=0
/usr/bin/python3 bench/check_cost.py "$@" || status=$?
/usr/bin/python3 bench/group_send.py "$@" || status=$?
/usr/bin/python3 bench/mirror.py "$@" || status=$?
/usr/bin/python3 bench/smtp_relay.py "$@" || status=$?
/usr/bin/python3 bench/group_send_postfix.py "$@" || status=$?
bash bench/http_ceiling.sh "$@" || status=$?
/usr/bin/python3 bench/instances_postgres.py "$@" || status=$?
exit "$status"
