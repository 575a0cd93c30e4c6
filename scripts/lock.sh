#!/usr/bin/env bash
# Write requirements/lock.txt: every package the tests, Binder and users install, pinned,
# for every Python flink-notebook supports (one universal resolution, with markers).
# Run it after changing dependencies in pyproject.toml, or to take new releases; then run
# the tests (bash scripts/test.sh), which install exactly the new lock.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-venv.sh --tools-only
.venv/bin/uv pip compile pyproject.toml requirements/build.in \
  --extra test --extra lab --extra charts --universal --python-version 3.9 \
  --custom-compile-command "bash scripts/lock.sh" \
  --output-file requirements/lock.txt "$@"
