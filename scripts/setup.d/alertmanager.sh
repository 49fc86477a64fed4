#!/usr/bin/env bash
# A real Prometheus Alertmanager for the alert intake test (it starts one on a free
# loopback port itself; nothing runs as a service).
set -euo pipefail
if command -v prometheus-alertmanager >/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus-alertmanager >/dev/null
# The package tries to start its service; make sure it does not hold the default ports.
pkill -x prometheus-alertmanager 2>/dev/null || true
pkill -x prometheus-alert 2>/dev/null || true
command -v prometheus-alertmanager
