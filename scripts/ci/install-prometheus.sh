#!/usr/bin/env bash
# Install Prometheus, promtool and Alertmanager from Debian's packages when they are missing.
# Idempotent: does nothing when the binaries are already on PATH. The observability tests
# (tests/observability/) run a real Prometheus and `promtool test rules`; in CI (CI=true)
# they fail instead of skipping when the binaries are absent, so .ci/run calls this first.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)

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

# Unique package names; the Debian packages must not start their systemd units here
# (no init in containers/CI), so policy-rc.d forbids service starts during the install.
mapfile -t pkgs < <(printf '%s\n' "${need[@]}" | sort -u)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "install-prometheus: installed ${pkgs[*]}"
prometheus --version 2>&1 | head -1
