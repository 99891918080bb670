#!/usr/bin/env bash
# wrk against nginx serving a static JSON answer and against Sendguard's /healthz, a warm
# POST /checks (on SQLite and on PostgreSQL) and POST /emails, in one run (see bench/http_ceiling.py). Arguments:
# --no-record, --keep. Needs wrk, nginx (nginx-light), Postfix's smtp-sink and Debian's postgresql.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk /usr/sbin/nginx /usr/sbin/smtp-sink; do
  if ! command -v "$tool" >/dev/null; then
    echo "http_ceiling: $tool is missing; run 'make deps'" >&2
    exit 1
  fi
done
# Debian's interpreter: it has python3-requests and aiosmtpd, which the peers need.
exec /usr/bin/python3 bench/http_ceiling.py "$@"
