#!/usr/bin/env bash
# Run the whole test suite, including the tests that start Flink (marked "cluster").
# Quick run without them: bash scripts/test.sh -m "not cluster"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
bash scripts/setup-browser.sh
exec .venv/bin/python -m pytest -q "$@"
