#!/usr/bin/env bash
# Run the quickstart notebook headless on the embedded Flink and print what each cell did.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
exec .venv/bin/flink-notebook run notebooks/01-quickstart.ipynb "$@"
