#!/usr/bin/env bash
# `make run`: starts the server on the embedded SQLite default. On a new database it
# creates a demo team and admin; every start prints the URL and a fresh admin token.
set -euo pipefail

BIN="${SENDGUARD_BIN:-build/sendguard}"
export SENDGUARD_DB="${SENDGUARD_DB:-./data/sendguard.db}"
export SENDGUARD_LISTEN="${SENDGUARD_LISTEN:-127.0.0.1:8080}"
# The demo may connect to a Marketo stand-in on this machine (tests/support/marketo_sim.py).
export SENDGUARD_ALLOW_LOOPBACK_MARKETO="${SENDGUARD_ALLOW_LOOPBACK_MARKETO:-1}"
ADMIN_EMAIL="${SENDGUARD_DEMO_ADMIN:-admin@demo.example}"

password_note="(the password printed when the demo admin was created; reset with: $BIN user set-password --email $ADMIN_EMAIL)"
if ! token="$("$BIN" token create --email "$ADMIN_EMAIL" 2>/dev/null)"; then
  password="$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 16)"
  token="$(printf '%s\n' "$password" | "$BIN" user add --team Demo --email "$ADMIN_EMAIL" --role admin --password-stdin | tail -n 1)"
  echo "Created team Demo with admin $ADMIN_EMAIL"
  password_note="$password"
fi

cat <<MSG

  Sendguard is starting on http://${SENDGUARD_LISTEN}
  Web app sign-in: $ADMIN_EMAIL / $password_note
  Admin API token: $token

  Try:  curl -H "Authorization: Bearer $token" http://${SENDGUARD_LISTEN}/api/v1/settings/unsubscribe
  Outgoing mail is written to ./data/mail/ unless SENDGUARD_SMTP_URL is set.  Ctrl-C stops.

MSG
exec "$BIN" serve
