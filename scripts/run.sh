#!/usr/bin/env bash
# Quickstart 1: install everything, then start the app on the embedded demo factory
# (generated on first run into the user data folder; override with FA_DB).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/factory-assistant app "$@"
