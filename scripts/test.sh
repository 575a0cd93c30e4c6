#!/usr/bin/env bash
# Run the whole test suite, including the tests that start Flink (marked "cluster"): first
# the tests that need no Flink (they must start none), then the others. Arguments go to
# pytest instead (one run), e.g. the quick run without Flink: bash scripts/test.sh -m "not cluster"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
bash scripts/setup-browser.sh
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest -q "$@"
fi
status=0
.venv/bin/python -m pytest -q -m "not cluster" || status=$?
.venv/bin/python -m pytest -q -m cluster --durations=30 || status=$?
exit "$status"
