#!/usr/bin/env bash
# Installs the Debian 12 packages Sendguard needs to build, run and test — only the
# missing ones, so a second run is instant. Needs root (or sudo) when something is missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ make cmake ninja-build pkg-config ccache
  # libraries (see docs/decisions.md)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libcurl4-openssl-dev libsqlite3-dev libsodium-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev libkainjow-mustache-dev
  libgmime-3.0-dev
  libssl-dev
  libpq-dev
  # tests: GoogleTest, and the integration suite's Python, SMTP sink and HTTP client
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-pytest python3-pytest-xdist python3-requests python3-aiosmtpd python3-yaml
  curl
  # PostgreSQL tests: a throwaway cluster of Debian's server, started by the tests themselves
  postgresql
  # SMTP submission tests: real mail clients driving the listener (swaks needs Net::SSLeay for TLS)
  swaks libnet-ssleay-perl
  msmtp
  # TLS certificates: the tests' self-signed ones, and `make run`'s demo pair
  openssl
  # fuzzing (make fuzz): clang, and libFuzzer with the ASan/UBSan runtimes (libclang-rt-14-dev)
  clang libclang-rt-14-dev
  # browser tests: Debian's Chromium driven by playwright-core from npm
  chromium
  # benchmarks: wrk as the HTTP load generator, nginx as the static ceiling it is compared
  # with, and postfix for its smtp-sink (the bench starts only smtp-sink, never the service)
  wrk nginx-light
  postfix
)

# Node.js may come from Debian or another packaging; only ask for Debian's when absent.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
