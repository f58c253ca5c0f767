#!/usr/bin/env bash
# Install everything factory-assistant needs into ./.venv (system packages via apt when root).
# torch is pinned to the CPU build in the same resolver run (constraints.txt): unpinned,
# pip would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-}"

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && [ "${FA_SKIP_APT:-0}" != "1" ]; then
  need=""
  pkgs="chromium postgresql fonts-noto-cjk"
  # Spark (the [spark] extra, and the test extras for tests/test_spark_executor.py) runs on Java 17.
  case "$EXTRAS" in *test*|*spark*) pkgs="$pkgs openjdk-17-jre-headless" ;; esac
  for pkg in $pkgs; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
  done
  if [ -n "$need" ]; then
    echo "apt: installing$need"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -c constraints.txt "torch==2.13.0"
.venv/bin/python -m pip install -q -c constraints.txt -e ".${EXTRAS}"
