#!/usr/bin/env bash
# Write the locks: every package the tests, Binder and users install, pinned, for every
# Python flink-notebook supports (one universal resolution, with markers), one lock per
# supported Flink minor version (flink_notebook/core/flink_versions.py, SUPPORTED_MINORS):
#   requirements/lock.txt               the newest Flink: .venv, the whole suite, Binder
#   requirements/lock-flink<minor>.txt  each other one: FLINK_VERSION=<minor> environments
# Run it after changing dependencies in pyproject.toml, or to take new releases; then run
# the tests (bash scripts/test.sh), which install exactly the new locks. Arguments go to
# every `uv pip compile` (e.g. --upgrade-package httpx).
set -euo pipefail
cd "$(dirname "$0")/.."
unset FLINK_VERSION
bash scripts/setup-venv.sh --tools-only
source scripts/flink-version.sh

# The newest Python each minor has apache-flink wheels for (pyproject's requires-python,
# <3.13, covers the others). The lock pins that minor's apache-flink for those Pythons only,
# and setup-venv.sh reads the limit back from the lock's marker.
below_python() {
  case "$1" in
    1.20 | 2.0) echo 3.12 ;;
  esac
}

# The lock of a minor no longer supported goes.
for old in requirements/lock-flink*.txt; do
  gone="${old#requirements/lock-flink}"
  gone="${gone%.txt}"
  if [ -f "$old" ] && [[ " ${FLINK_MINORS[*]} " != *" $gone "* ]]; then
    echo "Removing $old (Flink $gone is no longer supported)"
    rm "$old"
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for minor in "${FLINK_MINORS[@]}"; do
  lock="$(flink_lock "$minor")"
  # An override, not a constraint: where it does not apply (a Python without wheels),
  # apache-flink is left out instead of resolved to another minor version.
  flink="apache-flink==$minor.*"
  if [ -n "$(below_python "$minor")" ]; then
    flink="$flink ; python_version < '$(below_python "$minor")'"
  fi
  echo "$flink" > "$work/flink-$minor.txt"
  (
    .venv/bin/uv pip compile --quiet pyproject.toml requirements/build.in \
      --extra test --extra lab --extra charts --universal --python-version 3.9 \
      --override "$work/flink-$minor.txt" \
      --custom-compile-command "bash scripts/lock.sh" \
      --output-file "$lock" "$@" &&
    # The override's file is temporary: its line names what it held instead.
    sed -i "s|--override $work/flink-$minor.txt|--override \"$flink\" (scripts/lock.sh)|" \
      "$lock"
  ) > "$work/log-$minor" 2>&1 &
done
# uv's resolutions wait on the index, not on the CPUs: they run side by side.
status=0
for minor in "${FLINK_MINORS[@]}"; do
  wait -n || status=1
done
for minor in "${FLINK_MINORS[@]}"; do
  if [ -s "$work/log-$minor" ]; then
    echo "Flink $minor ($(flink_lock "$minor")):" >&2
    cat "$work/log-$minor" >&2
  fi
  echo "$(flink_lock "$minor"): $(grep -m1 '^apache-flink==' "$(flink_lock "$minor")" || true)"
done
exit "$status"
