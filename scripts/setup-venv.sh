#!/usr/bin/env bash
# Create .venv in the checkout and install flink-notebook (editable) with its test tools.
# Idempotent: installs again only when pyproject.toml changed since the last install.
# PYTHON=/path/to/python picks the interpreter (default: the first python3 of 3.9-3.12 on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

supported() { "$1" -c 'import sys; sys.exit(not (3, 9) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; }

if [ ! -x .venv/bin/python ]; then
  PYTHON="${PYTHON:-}"
  if [ -z "$PYTHON" ]; then
    for candidate in python3 python3.12 python3.11 python3.10 python3.9; do
      if command -v "$candidate" >/dev/null && supported "$candidate"; then
        PYTHON="$candidate"
        break
      fi
    done
  fi
  if [ -z "$PYTHON" ] || ! supported "$PYTHON"; then
    echo "flink-notebook needs Python 3.9-3.12 (apache-flink 2.3 has no wheels for others)." >&2
    echo "Install one, or run: PYTHON=/path/to/python3.11 bash scripts/setup-venv.sh" >&2
    exit 1
  fi
  echo "Creating .venv with $("$PYTHON" --version) ($(command -v "$PYTHON"))"
  "$PYTHON" -m venv .venv
fi

# The stamp holds the hash of the pyproject.toml last installed.
stamp=.venv/.flink-notebook-installed
wanted="$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing flink-notebook and its dependencies into .venv (the first time takes a few minutes: apache-flink is large)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  echo "$wanted" > "$stamp"
else
  echo ".venv is up to date ($(.venv/bin/python --version))"
fi
