#!/usr/bin/env bash
# Install Debian's Chromium and its chromedriver for the browser tests (tests/browser/) and
# `make screenshots`, when they are missing. Idempotent. In CI (CI=true) the browser tests
# fail instead of skipping when the browser is absent, so .ci/run calls this first.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)

if [ "${#need[@]}" -eq 0 ]; then
  echo "install-chromium: chromium and chromedriver already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: apt-get not found; install ${need[*]} by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "install-chromium: installed ${need[*]}"
chromium --version 2>/dev/null || true
