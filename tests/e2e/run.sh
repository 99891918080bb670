#!/usr/bin/env bash
# Browser tests of the web app: Debian chromium driven by playwright-core, against the
# real server (SENDGUARD_BIN, default build/sendguard), the Marketo simulator and the
# SMTP sink. Installs the pinned npm packages on first use. Screenshots: artifacts/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
  echo "Debian's chromium is missing: run 'make deps' (or apt-get install chromium)." >&2
  exit 1
fi
# Install the pinned packages when missing, or when the lockfile changed since.
if [ ! -d "$HERE/node_modules/playwright-core" ] || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
export SENDGUARD_BIN="${SENDGUARD_BIN:-$ROOT/build/sendguard}"
case "$SENDGUARD_BIN" in /*) ;; *) SENDGUARD_BIN="$ROOT/$SENDGUARD_BIN" ;; esac
cd "$ROOT"
# One file at a time: each starts its own server and browser, and CI has two cores.
exec node --test --test-concurrency=1 tests/e2e/
