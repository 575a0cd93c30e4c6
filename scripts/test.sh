#!/usr/bin/env bash
# Run the tests. Without arguments, what CI runs (.ci/run), part after part:
#  - on the default Flink (the newest: .venv, requirements/lock.txt), the tests that need no
#    Flink (they must start none), then those that start Flink (marked "cluster") on two
#    workers;
#  - for each other supported Flink minor (flink_notebook/core/flink_versions.py), its own
#    environment .venv-flink<minor> from requirements/lock-flink<minor>.txt, and in it the
#    compatibility suite (marked "compat": docs/versions.md) on two workers.
# Each part prints a header and its time; a failing part does not stop the others, and the
# exit status is failing when any part failed.
# FLINK_VERSION=<minor> runs that Flink alone: the compatibility suite in its environment
# (for the default Flink, the two default parts). Arguments go to pytest instead (one run, in
# FLINK_VERSION's environment), e.g. the quick run without Flink, or one file on 1.20:
#   bash scripts/test.sh -m "not cluster"
#   FLINK_VERSION=1.20 bash scripts/test.sh -m compat tests/sql/test_sql_scripts.py
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/flink-version.sh

if [ $# -gt 0 ]; then
  bash scripts/setup-venv.sh
  if [ "$FLINK_VENV" = .venv ]; then
    bash scripts/setup-browser.sh  # the browser tests run on the default Flink only
  fi
  exec "$FLINK_VENV/bin/python" -m pytest -q "$@"
fi

status=0
summary=()
duration() { printf '%d min %02d s' $(($1 / 60)) $(($1 % 60)); }
# part <title> <command...>: one part, its header, its time; a failure is counted, not fatal.
part() {
  local title="$1" start=$SECONDS rc=0 took
  shift
  printf '\n===== %s\n' "$title"
  "$@" || rc=$?
  took="$(duration $((SECONDS - start)))"
  if [ "$rc" = 0 ]; then
    summary+=("passed  $took  $title")
  else
    summary+=("FAILED  $took  $title (exit status $rc)")
    status=1
  fi
  printf '===== %s: %s, %s\n' "$title" "$([ "$rc" = 0 ] && echo passed || echo FAILED)" "$took"
  return "$rc"
}

default_suite() {
  if part "Flink $FLINK_DEFAULT: environment (.venv, requirements/lock.txt)" \
      bash scripts/setup-venv.sh &&
    part "Flink $FLINK_DEFAULT: the browser for the browser tests" bash scripts/setup-browser.sh
  then
    # Two workers (pytest-xdist) here too: these tests are independent and mostly CPU-bound
    # (a minute on two workers, twice that on one).
    part "Flink $FLINK_DEFAULT: the tests that start no Flink" \
      .venv/bin/python -m pytest -q -m "not cluster" -n 2 || true
    # Two workers (pytest-xdist): the cluster tests mostly wait on JVMs and clusters
    # starting, so two overlap well on two cores. A test file stays on one worker (its
    # module fixtures, such as a remote cluster, start once); each worker has its own state
    # directory.
    part "Flink $FLINK_DEFAULT: the tests that start Flink" \
      .venv/bin/python -m pytest -q -m cluster -n 2 --dist loadfile --durations=30 || true
  fi
}

# The compatibility suite of one other minor, in its own environment from its lock.
compat_suite() {
  local minor="$1" venv lock
  venv="$(flink_venv "$minor")"
  lock="$(flink_lock "$minor")"
  if part "Flink $minor: environment ($venv, $lock)" \
      env FLINK_VERSION="$minor" bash scripts/setup-venv.sh; then
    part "Flink $minor: the compatibility suite (-m compat)" \
      "$venv/bin/python" -m pytest -q -m compat -n 2 --dist loadfile --durations=15 || true
  fi
}

if [ -n "${FLINK_VERSION:-}" ]; then
  if [ "$FLINK_MINOR" = "$FLINK_DEFAULT" ]; then
    default_suite
  else
    compat_suite "$FLINK_MINOR"
  fi
else
  default_suite
  for minor in "${FLINK_MINORS[@]}"; do
    if [ "$minor" != "$FLINK_DEFAULT" ]; then
      compat_suite "$minor"
    fi
  done
fi

printf '\n===== Summary (%s in all)\n' "$(duration "$SECONDS")"
printf '%s\n' "${summary[@]}"
exit "$status"
