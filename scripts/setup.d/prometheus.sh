#!/usr/bin/env bash
# A real Prometheus and node_exporter for the disk and SLO watcher tests (they start
# them on free loopback ports themselves; nothing runs as a service).
set -euo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null && command -v prometheus-node-exporter >/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus prometheus-node-exporter >/dev/null
# The packages try to start their services; make sure none holds the default ports.
pkill -x prometheus 2>/dev/null || true
pkill -x prometheus-node-exporter 2>/dev/null || true
command -v prometheus promtool prometheus-node-exporter
