#!/usr/bin/env bash
# Quickstart 2: install everything (with test extras), then run the whole test suite.
# PostgreSQL tests run when FA_TEST_PG_URL is set (.ci/run starts a throwaway server).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh "[test]" || exit 1
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
code=$?
# pytest exits 5 when it collected no tests: that is a failure of the suite, not a pass.
[ "$code" = "5" ] && { echo "pytest collected no tests"; exit 1; }
exit $code
