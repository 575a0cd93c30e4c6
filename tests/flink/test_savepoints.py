"""Savepoints end to end: a stateful SQL aggregate is stopped with a savepoint and resumed
with ``--from-savepoint``; its counts continue instead of starting again at 1.

Once on the embedded cluster (``local``), once on a session cluster started with
``%flink_cluster`` and stopped through a ``%flink_attach`` handle.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from handles import cancelled_if_failing

from flink_notebook.engine.session import FlinkSession

pytestmark = pytest.mark.cluster

TICKS = """
CREATE TEMPORARY TABLE IF NOT EXISTS sp_ticks (k INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '30',
  'fields.k.min' = '1', 'fields.k.max' = '3')
"""
QUERY = "SELECT k, COUNT(*) AS n FROM sp_ticks GROUP BY k"
#: Each key's count when the job is stopped is at least this.
STOP_AT = 15
RESUME_OPTIONS = "-D execution.savepoint.ignore-unclaimed-state=true --mode changelog " \
                 "--max-rows 100000 --detached"


def until(predicate, what: str, seconds: float = 180.0):
    """Poll until ``predicate()`` gives something other than None; return it."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value is not None:
            return value
        assert time.monotonic() < deadline, f"{what}: not within {seconds:g} s"
        time.sleep(0.3)


def counted_enough(job) -> pd.DataFrame | None:
    counts = job.to_pandas()
    return counts if len(counts) == 3 and counts["n"].min() >= STOP_AT else None


def first_counts_after_resume(job) -> dict[int, int] | None:
    """Each key's first count the resumed job emitted (+I or +U), once all three have one."""
    changes = job.to_pandas()
    added = changes[changes["op"].isin(["+I", "+U"])]
    firsts = added.groupby("k", sort=True)["n"].first()
    return {int(k): int(n) for k, n in firsts.items()} if len(firsts) == 3 else None


def stop_and_resume(shell, tmp_path: Path, target: str, stop_handle=None) -> None:
    """Count, stop with a savepoint (through ``stop_handle(job)`` if given), resume, check."""
    shell.run_cell_magic("flink_sql", "", TICKS)
    shell.run_cell_magic("flink_sql", f"--target {target} --detached -o counting", QUERY)
    counting = shell.user_ns["counting"]
    with cancelled_if_failing(counting):
        until(lambda: counted_enough(counting), f"counts reaching {STOP_AT}")
        stopper = stop_handle(counting) if stop_handle else counting
        savepoint = stopper.stop_with_savepoint(str(tmp_path / "savepoints"))
    assert counting.wait(timeout=60) == "FINISHED"
    assert Path(savepoint.removeprefix("file:")).is_dir()
    before = counting.to_pandas().set_index("k")["n"]
    assert len(before) == 3 and before.min() >= STOP_AT

    shell.run_cell_magic(
        "flink_sql", f"--target {target} --from-savepoint {savepoint} {RESUME_OPTIONS} -o resumed",
        QUERY,
    )
    resumed = shell.user_ns["resumed"]
    try:
        firsts = until(lambda: first_counts_after_resume(resumed), "counts after the resume")
    finally:
        resumed.cancel()
    for k, first in firsts.items():
        # Restarted from empty state, the first count of a key would be 1.
        assert first > before[k], (k, first, int(before[k]))


def test_counts_continue_from_a_savepoint_on_the_embedded_cluster(shell, tmp_path):
    stop_and_resume(shell, tmp_path, "local")


def test_counts_continue_on_a_session_cluster_stopped_through_an_attached_handle(
    shell, tmp_path, capsys
):
    def attached(job):
        shell.run_line_magic("flink_attach", f"{job.job_id} -o attached")
        handle = shell.user_ns["attached"]
        assert handle is not job and handle.status() == "RUNNING"
        return handle

    configuration = FlinkSession.current().configuration
    # --use: remote becomes the notebook's target until the cluster stops.
    shell.run_line_magic("flink_cluster", "start --slots 2 --name savepoint-test --use")
    try:
        assert configuration.get("execution.target") == "remote"
        stop_and_resume(shell, tmp_path, "remote", stop_handle=attached)
    finally:
        shell.run_line_magic("flink_cluster", "stop savepoint-test")
    assert configuration.get("execution.target") == "local"
    assert "Stopped savepoint-test. The remote target pointed at it: rest.address and " \
        "rest.port are unset, and the notebook's target is local again." \
        in capsys.readouterr().out


def test_a_plain_savepoint_directory_works_and_later_jobs_still_run(shell, tmp_path):
    """Issue 32: ``state.savepoints.dir`` set to a plain path (as the Stop button advised)
    made every later job fail at its JobMaster's start ("The scheme ... is null"); a
    handle's savepoint needed its directory even with the option set."""
    shell.run_cell_magic("flink_sql", "", TICKS)
    shell.run_line_magic("flink_config", f"state.savepoints.dir={tmp_path / 'plain'}")
    try:
        shell.run_cell_magic("flink_sql", "--detached -o counting", QUERY)
        counting = shell.user_ns["counting"]
        with cancelled_if_failing(counting):
            until(lambda: counted_enough(counting), f"counts reaching {STOP_AT}")
            savepoint = counting.stop_with_savepoint()  # to state.savepoints.dir
        assert counting.wait(timeout=60) == "FINISHED"
        saved = Path(savepoint.removeprefix("file:"))
        assert saved.is_dir() and saved.parent == tmp_path / "plain"
        shell.run_cell_magic("flink_sql", "-o later", "SELECT * FROM (VALUES (1), (2)) AS t(n)")
        assert sorted(shell.user_ns["later"]["n"]) == [1, 2]  # it failed at JobMaster start
    finally:
        FlinkSession.current().configuration.unset("state.savepoints.dir")
