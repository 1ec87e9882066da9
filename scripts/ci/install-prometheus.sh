#!/usr/bin/env bash
# Install Prometheus, promtool and Alertmanager from Debian's packages when they are missing.
# Idempotent: does nothing when the binaries are already on PATH. The observability tests
# (tests/observability/) run a real Prometheus and `promtool test rules`; in CI (CI=true)
# they fail instead of skipping when the binaries are absent, so .ci/run calls this first.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 \
  || need+=(prometheus-alertmanager)

if [ "${#need[@]}" -eq 0 ]; then
  echo "install-prometheus: prometheus, promtool and alertmanager already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-prometheus: apt-get not found; install ${need[*]} by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

mapfile -t pkgs < <(printf '%s\n' "${need[@]}" | sort -u)
export DEBIAN_FRONTEND=noninteractive

# The packages' maintainer scripts would start system-wide daemons on :9090/:9093; tests start
# their own on free ports, so a temporary policy-rc.d forbids service starts during the install.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "install-prometheus: installed ${pkgs[*]}"
prometheus --version 2>&1 | head -1
