#!/usr/bin/env bash
# Run the whole test suite, including the tests that start Flink (marked "cluster"): first
# the tests that need no Flink (they must start none), then the others, on two workers.
# Arguments go to pytest instead (one run), e.g. the quick run without Flink:
#   bash scripts/test.sh -m "not cluster"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh
bash scripts/setup-browser.sh
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest -q "$@"
fi
status=0
.venv/bin/python -m pytest -q -m "not cluster" || status=$?
# Two workers (pytest-xdist): the cluster tests mostly wait on JVMs and clusters starting,
# so two overlap well on two cores. A test file stays on one worker (its module fixtures,
# such as a remote cluster, start once); each worker has its own state directory.
.venv/bin/python -m pytest -q -m cluster -n 2 --dist loadfile --durations=30 || status=$?
exit "$status"
