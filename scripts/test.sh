#!/usr/bin/env bash
# Quickstart 2: install everything (with test extras), check the gates, then run the whole test suite.
# Gates: ruff (style, complexity), mypy (types), import-linter (stages import only earlier stages).
# PostgreSQL tests run when FA_TEST_PG_URL is set (.ci/run starts a throwaway server).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh "[test]" || exit 1
failed=0
echo "== ruff";          .venv/bin/ruff check assistant semantic_layer tests benchmarks app.py || failed=1
echo "== mypy";          .venv/bin/mypy || failed=1
echo "== import-linter"; .venv/bin/lint-imports --no-cache || failed=1
echo "== pytest"
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
code=$?
# pytest exits 5 when it collected no tests: that is a failure of the suite, not a pass.
[ "$code" = "5" ] && { echo "pytest collected no tests"; exit 1; }
[ "$failed" = "1" ] && { echo "a gate failed (see above)"; exit 1; }
exit $code
