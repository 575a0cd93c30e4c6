# Sourced by setup-venv.sh, quickstart.sh, test.sh and lock.sh (from the repository root):
# which Flink minor versions there are and which environment FLINK_VERSION picks.
#   FLINK_MINORS    the supported apache-flink minors, oldest first (1.20 2.0 ... 2.3), read
#                   from flink_notebook/core/flink_versions.py's SUPPORTED_MINORS: one list
#   FLINK_DEFAULT   the newest of them: .venv and requirements/lock.txt (Binder's too)
#   FLINK_MINOR     FLINK_VERSION, or FLINK_DEFAULT when it is unset
#   FLINK_VENV      .venv for the default, .venv-flink<minor> for the others
#   FLINK_LOCK      requirements/lock.txt for the default, requirements/lock-flink<minor>.txt
# An unknown FLINK_VERSION stops the script with one line naming the supported ones.

# The module is read, not imported (importing it would need the environment it picks).
flink_minors() {
  local python
  for python in "${PYTHON:-}" .venv/bin/python python3 python; do
    if [ -n "$python" ] && command -v "$python" >/dev/null; then
      break
    fi
  done
  "$python" - flink_notebook/core/flink_versions.py <<'EOF'
import ast
import sys

for node in ast.parse(open(sys.argv[1]).read()).body:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    if any(getattr(target, "id", None) == "SUPPORTED_MINORS" for target in targets):
        print(" ".join(ast.literal_eval(node.value)))
EOF
}

# The lock and environment of one minor version.
flink_lock() {
  if [ "$1" = "$FLINK_DEFAULT" ]; then echo requirements/lock.txt
  else echo "requirements/lock-flink$1.txt"; fi
}
flink_venv() {
  if [ "$1" = "$FLINK_DEFAULT" ]; then echo .venv; else echo ".venv-flink$1"; fi
}

read -r -a FLINK_MINORS <<< "$(flink_minors)"
if [ "${#FLINK_MINORS[@]}" = 0 ]; then
  echo "No SUPPORTED_MINORS found in flink_notebook/core/flink_versions.py." >&2
  exit 1
fi
FLINK_DEFAULT="${FLINK_MINORS[${#FLINK_MINORS[@]}-1]}"
FLINK_MINOR="${FLINK_VERSION:-$FLINK_DEFAULT}"
if [[ " ${FLINK_MINORS[*]} " != *" $FLINK_MINOR "* ]]; then
  listed="$(IFS=,; echo "${FLINK_MINORS[*]}")"
  echo "FLINK_VERSION=$FLINK_MINOR is not a supported Flink: use one of ${listed//,/, }" \
    "(a minor version; unset, the newest: $FLINK_DEFAULT)." >&2
  exit 2
fi
FLINK_VENV="$(flink_venv "$FLINK_MINOR")"
FLINK_LOCK="$(flink_lock "$FLINK_MINOR")"
