#!/usr/bin/env bash
# Create .venv in the checkout and install exactly requirements/lock.txt into it, then
# flink-notebook itself (editable, no dependencies of its own: the lock has them all).
# A new release on PyPI changes nothing until the lock is updated (bash scripts/lock.sh).
# Idempotent: syncs again only when the lock, pyproject.toml or the installer pin changed.
# PYTHON=/path/to/python picks the interpreter (default: the first python3 of 3.9-3.12 on PATH).
# --tools-only: create .venv with the installer (uv) only (what scripts/lock.sh needs).
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

# The installer, pinned (requirements/tools.txt), installed with the venv's own pip.
if ! .venv/bin/python -m pip install --quiet --requirement requirements/tools.txt \
    --no-warn-script-location 2>.venv/.uv-install.log; then
  cat .venv/.uv-install.log >&2
  exit 1
fi
if [ "${1:-}" = "--tools-only" ]; then
  exit 0
fi

# The stamp holds the hash of what was last installed: lock, pyproject.toml, installer pin.
stamp=.venv/.flink-notebook-installed
wanted="$(cat requirements/lock.txt pyproject.toml requirements/tools.txt | .venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing requirements/lock.txt and flink-notebook into .venv (the first time takes a few minutes: apache-flink is large)"
  # sync: exactly the lock, nothing more (packages from an older install are removed).
  .venv/bin/uv pip sync --quiet --python .venv/bin/python --allow-empty-requirements \
    requirements/lock.txt
  .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps --no-build-isolation \
    --editable .
  echo "$wanted" > "$stamp"
else
  echo ".venv is up to date ($(.venv/bin/python --version), requirements/lock.txt)"
fi
# The JupyterLab extension that highlights %%flink_sql cells as Flink SQL (needs Node.js;
# rebuilt only when labextension/ changed): docs/labextension.md.
bash scripts/build-labextension.sh
