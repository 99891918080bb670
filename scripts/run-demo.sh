#!/usr/bin/env bash
# `make run`: starts the server on the embedded SQLite default. On a new database it
# creates a demo team and admin; every start prints the URL and a fresh admin token.
set -euo pipefail

BIN="${SENDGUARD_BIN:-build/sendguard}"
export SENDGUARD_DB="${SENDGUARD_DB:-./data/sendguard.db}"
export SENDGUARD_LISTEN="${SENDGUARD_LISTEN:-127.0.0.1:8080}"
ADMIN_EMAIL="${SENDGUARD_DEMO_ADMIN:-admin@demo.example}"

if ! token="$("$BIN" token create --email "$ADMIN_EMAIL" 2>/dev/null)"; then
  token="$("$BIN" user add --team Demo --email "$ADMIN_EMAIL" --role admin | tail -n 1)"
  echo "Created team Demo with admin $ADMIN_EMAIL"
fi

cat <<MSG

  Sendguard is starting on http://${SENDGUARD_LISTEN}
  Admin API token ($ADMIN_EMAIL): $token

  Try:  curl -H "Authorization: Bearer $token" http://${SENDGUARD_LISTEN}/api/v1/settings/unsubscribe
  Outgoing mail is written to ./data/mail/ unless SENDGUARD_SMTP_URL is set.  Ctrl-C stops.

MSG
exec "$BIN" serve
