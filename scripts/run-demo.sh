#!/usr/bin/env bash
# `make run`: starts the server on the embedded SQLite default. On a new database it
# creates a demo team and admin; every start prints the URL and a fresh admin token.
# Unless SENDGUARD_DEMO_MARKETO=0, a team without a Marketo connection is connected to a
# demo Marketo (the simulator with a few sample people, one unsubscribed) with the check
# on; the demo Marketo runs while the server does, and stops with it (Ctrl-C).
set -euo pipefail

BIN="${SENDGUARD_BIN:-build/sendguard}"
export SENDGUARD_DB="${SENDGUARD_DB:-./data/sendguard.db}"
export SENDGUARD_LISTEN="${SENDGUARD_LISTEN:-127.0.0.1:8080}"
# The demo may connect to a Marketo stand-in on this machine (tests/support/marketo_sim.py).
export SENDGUARD_ALLOW_LOOPBACK_MARKETO="${SENDGUARD_ALLOW_LOOPBACK_MARKETO:-1}"
ADMIN_EMAIL="${SENDGUARD_DEMO_ADMIN:-admin@demo.example}"
DEMO_MARKETO="${SENDGUARD_DEMO_MARKETO:-1}"
DEMO_MARKETO_PORT="${SENDGUARD_DEMO_MARKETO_PORT:-8089}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Mail clients submit through the SMTP relay; without a certificate of the operator's own,
# a self-signed pair for localhost is made once beside the database.
export SENDGUARD_SMTP_LISTEN="${SENDGUARD_SMTP_LISTEN-127.0.0.1:2587}"
if [ -z "${SENDGUARD_TLS_CERT:-}" ]; then
  tls_dir="$(dirname "$SENDGUARD_DB")/tls"
  export SENDGUARD_TLS_CERT="$tls_dir/demo-cert.pem" SENDGUARD_TLS_KEY="$tls_dir/demo-key.pem"
  if [ ! -s "$SENDGUARD_TLS_CERT" ] || [ ! -s "$SENDGUARD_TLS_KEY" ]; then
    mkdir -p "$tls_dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=localhost \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      -keyout "$SENDGUARD_TLS_KEY" -out "$SENDGUARD_TLS_CERT" 2>/dev/null
    chmod 600 "$SENDGUARD_TLS_KEY"
    echo "Made a self-signed certificate for the demo SMTP relay: $SENDGUARD_TLS_CERT"
  fi
fi

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
  Mail clients: SMTP ${SENDGUARD_SMTP_LISTEN:-off} (STARTTLS), user $ADMIN_EMAIL, password: the admin API token
  Outgoing mail is written to ${SENDGUARD_MAIL_DIR:-./data/mail}/ unless SENDGUARD_SMTP_URL is set.  Ctrl-C stops.

MSG

children=()
stop_children() {
  for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_children EXIT
trap 'exit 130' INT TERM

"$BIN" serve &
server_pid=$!
children+=("$server_pid")
api="http://${SENDGUARD_LISTEN}/api/v1"
auth="Authorization: Bearer $token"

# Waits until `url` answers, for up to a minute, while the server runs.
await_url() {
  for _ in $(seq 600); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# The team's Marketo connection: "none", "demo" (the demo Marketo's), or "other".
connection_kind() {
  curl -s -H "$auth" "$api/integrations/marketo" | python3 -c '
import json, sys
body = json.load(sys.stdin)
print("none" if "error" in body else "demo" if body["rest_endpoint"] == sys.argv[1] else "other")' "$1/rest"
}

# The demo Marketo keeps its people in memory: each start seeds them again.
start_demo_marketo() {
  # As strict as a real instance, without the noise of other fields' changes piling up
  # in memory while the demo runs.
  python3 "$HERE/../tests/support/marketo_sim.py" --port "$DEMO_MARKETO_PORT" --strict \
    --config '{"cdv_noise_per_second": 0}' --demo >/dev/null &
  children+=("$!")
  await_url "$1/_sim/stats"
}

connect_demo_marketo() {
  curl -sf -o /dev/null -X PUT -H "$auth" -H 'Content-Type: application/json' \
    -d "{\"rest_endpoint\":\"$1/rest\",\"identity_endpoint\":\"$1/identity\",\"client_id\":\"sg-client\",\"client_secret\":\"sg-secret\"}" \
    "$api/integrations/marketo" &&
    curl -sf -o /dev/null -X PUT -H "$auth" -H 'Content-Type: application/json' \
      -d '{"marketo_check_enabled":true}' "$api/settings/unsubscribe"
}

await_url "http://${SENDGUARD_LISTEN}/healthz" || { echo "Sendguard did not start" >&2; exit 1; }
demo_marketo="http://127.0.0.1:${DEMO_MARKETO_PORT}"
kind="$(connection_kind "$demo_marketo")"
if [ "$DEMO_MARKETO" != 0 ] && [ "$kind" != other ]; then
  if ! start_demo_marketo "$demo_marketo"; then
    echo "The demo Marketo did not start on port $DEMO_MARKETO_PORT (set SENDGUARD_DEMO_MARKETO_PORT)" >&2
  elif [ "$kind" = demo ] || connect_demo_marketo "$demo_marketo"; then
    cat <<MSG
  Demo Marketo on $demo_marketo, the team's unsubscribe check is on.
  In the web app, write to ann.buyer@example.com (sent) and to una.unsubscribed@example.com
  (refused: she unsubscribed in Marketo).  SENDGUARD_DEMO_MARKETO=0 skips the demo Marketo.

MSG
  else
    echo "Could not connect the team to the demo Marketo on $demo_marketo" >&2
  fi
fi
wait "$server_pid"
