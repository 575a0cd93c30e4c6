#!/usr/bin/env bash
# Create .venv in the checkout and install exactly requirements/lock.txt into it, then
# flink-notebook itself (editable, no dependencies of its own: the lock has them all).
# A new release on PyPI changes nothing until the lock is updated (bash scripts/lock.sh).
# Idempotent: syncs again only when the lock, pyproject.toml or the installer pin changed.
# PYTHON=/path/to/python picks the interpreter (default: the first python3 of 3.9-3.12 on PATH).
# FLINK_VERSION=<minor> (1.20, 2.0, ...: flink_notebook/core/flink_versions.py) installs that
# Flink's lock, requirements/lock-flink<minor>.txt, into its own environment .venv-flink<minor>;
# unset or the newest, .venv and requirements/lock.txt (scripts/flink-version.sh).
# --tools-only: create .venv with the installer (uv) only (what scripts/lock.sh needs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/flink-version.sh
venv="$FLINK_VENV"
lock="$FLINK_LOCK"
if [ "${1:-}" = "--tools-only" ]; then
  venv=.venv
  lock=requirements/lock.txt
fi

# The newest Python this Flink has wheels for: its lock pins apache-flink below a Python
# where PyPI has none (scripts/lock.sh), otherwise pyproject's 3.12.
newest=12
below="$(sed -n "s/^apache-flink==[^;]*;.*python_full_version < '3\.\([0-9]*\)'.*/\1/p" \
  "$lock" 2>/dev/null || true)"
if [ -n "$below" ]; then
  newest=$((below - 1))
fi
pythons="3.9-3.$newest"
supported() {
  "$1" -c "import sys; sys.exit(not (3, 9) <= sys.version_info[:2] <= (3, $newest))" 2>/dev/null
}
rerun="PYTHON=/path/to/python3.$newest bash scripts/setup-venv.sh"
if [ "$venv" = .venv ]; then
  needs="flink-notebook needs Python $pythons (apache-flink $FLINK_DEFAULT has no wheels for others)."
else
  needs="apache-flink $FLINK_MINOR has wheels for Python $pythons only"
  rerun="FLINK_VERSION=$FLINK_MINOR $rerun"
fi

if [ -x "$venv/bin/python" ] && ! supported "$venv/bin/python"; then
  echo "${needs%.}, and $venv has $("$venv/bin/python" --version):" \
    "rm -rf $venv, then $rerun" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  PYTHON="${PYTHON:-}"
  if [ -n "$PYTHON" ] && [ "$venv" != .venv ] && ! supported "$PYTHON"; then
    echo "$needs, and PYTHON=$PYTHON is $("$PYTHON" --version 2>&1): $rerun" >&2
    exit 1
  fi
  if [ -z "$PYTHON" ]; then
    for candidate in python3 python3.12 python3.11 python3.10 python3.9; do
      if command -v "$candidate" >/dev/null && supported "$candidate"; then
        PYTHON="$candidate"
        break
      fi
    done
  fi
  if [ -z "$PYTHON" ] || ! supported "$PYTHON"; then
    echo "$needs" >&2
    echo "Install one, or run: $rerun" >&2
    exit 1
  fi
  echo "Creating $venv with $("$PYTHON" --version) ($(command -v "$PYTHON"))"
  "$PYTHON" -m venv "$venv"
fi

# The installer, pinned (requirements/tools.txt), installed with the venv's own pip.
if ! "$venv/bin/python" -m pip install --quiet --requirement requirements/tools.txt \
    --no-warn-script-location 2>"$venv/.uv-install.log"; then
  cat "$venv/.uv-install.log" >&2
  exit 1
fi
if [ "${1:-}" = "--tools-only" ]; then
  exit 0
fi

# The stamp holds the hash of what was last installed: lock, pyproject.toml, installer pin.
stamp="$venv/.flink-notebook-installed"
wanted="$(cat "$lock" pyproject.toml requirements/tools.txt | "$venv/bin/python" -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing $lock and flink-notebook into $venv (the first time takes a few minutes: apache-flink is large)"
  # sync: exactly the lock, nothing more (packages from an older install are removed).
  "$venv/bin/uv" pip sync --quiet --python "$venv/bin/python" --allow-empty-requirements \
    "$lock"
  "$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --no-deps --no-build-isolation \
    --editable .
  echo "$wanted" > "$stamp"
else
  echo "$venv is up to date ($("$venv/bin/python" --version), $lock)"
fi
# The JupyterLab extension that highlights %%flink_sql cells as Flink SQL (needs Node.js;
# rebuilt only when labextension/ changed, then copied into each environment that asks):
# docs/labextension.md. Every lock has the Node.js it is built with.
bash scripts/build-labextension.sh --prefix "$venv"
