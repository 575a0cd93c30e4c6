#!/usr/bin/env bash
# Run the quickstart notebook headless on the embedded Flink and print what each cell did.
# FLINK_VERSION=<minor> runs it on that Flink, in its own environment (scripts/setup-venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/flink-version.sh
bash scripts/setup-venv.sh
exec "$FLINK_VENV/bin/flink-notebook" run notebooks/01-quickstart.ipynb "$@"
