"""Resume on re-run: a cell's job starts from the last savepoint taken from this cell's job
(``--resume``, ``notebook.resume=savepoint``) or from its latest completed checkpoint
(``--resume checkpoint``); the memory survives a kernel restart."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pandas as pd
import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output
from waiting import until

pytestmark = pytest.mark.cluster

SOURCE = ("CREATE TEMPORARY TABLE IF NOT EXISTS resume_src (k INT) WITH ('connector' = "
          "'datagen', 'rows-per-second' = '40', 'fields.k.min' = '1', 'fields.k.max' = '2')")
CHANGES = "--detached --mode changelog -D notebook.max-rows=100000"


@pytest.fixture
def sql(shell):
    shell.run_cell_magic("flink_sql", "", SOURCE)

    def run(cell: str, line: str = ""):
        return shell.run_cell_magic("flink_sql", line, cell)

    return run


def counts(frame: pd.DataFrame, how: str) -> dict[int, int]:
    """Per key, the highest (``max``) or lowest (``min``) count the changelog emitted."""
    emitted = frame[frame["op"].isin(["+I", "+U"])]
    return {int(k): int(n) for k, n in getattr(emitted.groupby("k")["n"], how)().items()}


def changes_once(job, at_least: int) -> pd.DataFrame:
    until(lambda: job.status() == "RUNNING" and len(job.to_pandas()) >= at_least,
          f"{at_least} changes from {job.name}")
    return job.to_pandas()


def test_a_cell_resumes_from_its_last_savepoint(shell, sql, tmp_path):
    query = "SELECT k, COUNT(*) AS n FROM resume_src GROUP BY k -- resume from savepoint"
    sql(query, f"{CHANGES} -o first")
    first = shell.user_ns["first"]
    changes_once(first, 10)
    saved = first.stop_with_savepoint(f"file://{tmp_path}/savepoints")
    before = counts(first.to_pandas(), "max")

    with capture_output() as captured:
        sql(query, f"--resume {CHANGES} -o second")
    second = shell.user_ns["second"]
    try:
        assert f"resumed from {saved}" in "".join(
            o.data.get("text/plain", "") for o in captured.outputs)
        after = counts(changes_once(second, 4), "min")
    finally:
        second.cancel()
    # The counts go on from where they stopped: the state came back, not a fresh start.
    assert after and all(after[k] > before[k] for k in after), (before, after)


def test_resume_says_clearly_when_there_is_nothing_to_resume_from(sql):
    with pytest.raises(UsageError, match="--resume: no savepoint was taken from this cell"):
        sql("SELECT k FROM resume_src -- never stopped with a savepoint", "--resume")
    with pytest.raises(UsageError, match="--resume checkpoint: this cell has run no job yet"):
        sql("SELECT k FROM resume_src -- never ran", "--resume checkpoint")


def test_a_cell_resumes_from_its_latest_checkpoint_after_a_cancel(shell, sql):
    query = "SELECT k, COUNT(*) AS n FROM resume_src GROUP BY k -- resume from checkpoint"
    sql(query, f"{CHANGES} -D execution.checkpointing.interval=300ms -o first")
    first = shell.user_ns["first"]
    until(lambda: first.status() == "RUNNING" and first.rest.get(
        f"/jobs/{first.job_id}/checkpoints")["counts"]["completed"] >= 2, "two checkpoints")
    first.cancel()
    assert first.wait(60) == "CANCELED"
    latest = first.rest.get(f"/jobs/{first.job_id}/checkpoints")["latest"]["completed"]

    with capture_output() as captured:
        sql(query, f"--resume checkpoint {CHANGES} -o second")
    second = shell.user_ns["second"]
    try:
        shown = "".join(o.data.get("text/plain", "") for o in captured.outputs)
        assert f"resumed from {latest['external_path']}" in shown
        assert "/chk-" in latest["external_path"]
        after = counts(changes_once(second, 4), "min")
    finally:
        second.cancel()
    assert after and min(after.values()) > 1  # counted on from the checkpoint

    # A job that ran without checkpoints leaves none: said, with what to do.
    other = "SELECT k, COUNT(*) AS n FROM resume_src GROUP BY k -- no checkpoints"
    sql(other, "--detached -o plain")
    shell.user_ns["plain"].cancel()
    with pytest.raises(UsageError, match="has no completed checkpoint. Run it with "
                                         "checkpoints on"):
        sql(other, "--resume checkpoint")


def test_a_savepoint_is_remembered_across_a_kernel_restart(tmp_path):
    """The same notebook run twice, each time in a new kernel, with notebook.resume=savepoint:
    the first run starts its pipeline afresh and stops it with a savepoint (STOP JOB), the
    second starts from that savepoint (Flink's REST API says it restored it). A cell asking
    for --resume with nothing to resume from stops the notebook, saying why."""
    cells = [
        "%load_ext flink_notebook",
        "%flink_config notebook.resume=savepoint",
        f"%%flink_sql\n{SOURCE};\nCREATE TEMPORARY TABLE IF NOT EXISTS resume_sink "
        "(k INT, n BIGINT) WITH ('connector' = 'blackhole')",
        "%%flink_sql --detached -o j\n"
        "INSERT INTO resume_sink SELECT k, COUNT(*) AS n FROM resume_src GROUP BY k",
        "import time\ndeadline = time.monotonic() + 120\n"
        "while time.monotonic() < deadline and not (j.status() == 'RUNNING' and all(\n"
        "        v['status'] == 'RUNNING' for v in j.rest.job(j.job_id)['vertices'])):\n"
        "    time.sleep(0.2)\n"
        "latest = j.rest.get(f'/jobs/{j.job_id}/checkpoints').get('latest') or {}\n"
        "print('restored:', (latest.get('restored') or {}).get('external_path'))",
        f"%%flink_sql -D state.savepoints.dir=file://{tmp_path}/savepoints -o stopped\n"
        "STOP JOB '{j.job_id}' WITH SAVEPOINT",
        "print('saved:', stopped['savepoint path'][0])",
        "%%flink_sql --resume\nSELECT k, COUNT(*) AS n FROM resume_src GROUP BY k",
    ]
    path = tmp_path / "resume.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    printed = []
    for run in (1, 2):
        saved = tmp_path / f"run{run}.ipynb"
        done = subprocess.run([sys.executable, "-m", "flink_notebook", "run", str(path),
                               "--output", str(saved)], capture_output=True, text=True,
                              timeout=600)
        log = done.stdout + done.stderr
        # the last cell's query was never stopped with a savepoint: refused in both runs
        assert done.returncode == 1 and "stopped at cell 8 of 8" in log, log
        printed.append("".join(
            str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
            for cell in nbformat.read(saved, 4).cells for o in cell.outputs))
    first_saved = printed[0].split("saved: ")[1].split()[0]
    assert "restored: None" in printed[0] and "resumed from" not in printed[0]
    assert f"resumed from {first_saved}" in printed[1]
    assert f"restored: {first_saved}" in printed[1]  # Flink restored the job from it
    assert "--resume: no savepoint was taken from this cell" in printed[1]


def test_a_query_is_not_resumed_from_another_kernels_savepoint(shell, sql, tmp_path,
                                                               monkeypatch):
    """Its result sink would wait for the old kernel: a clear error instead of no rows."""
    import os

    query = "SELECT k, COUNT(*) AS n FROM resume_src GROUP BY k -- another kernel"
    sql(query, f"{CHANGES} -o first")
    first = shell.user_ns["first"]
    changes_once(first, 2)
    first.stop_with_savepoint(f"file://{tmp_path}/savepoints")
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as a new kernel would see it
    with pytest.raises(UsageError, match=r"--resume of a query \(SELECT\): its savepoint "
                                         "was taken in another kernel"):
        sql(query, "--resume")


def _shown(captured) -> str:
    return "\n".join(o.data.get("text/plain", "") for o in captured.outputs)


def test_cancel_with_savepoint_stops_the_job_with_one_that_resume_starts_from(shell, sql,
                                                                             tmp_path):
    query = "SELECT k, COUNT(*) AS n FROM resume_src GROUP BY k -- cancel with savepoint"
    with capture_output() as captured:  # --timeout cancels, as Ctrl-C and Cancel do
        sql(query, f"--cancel-with-savepoint --timeout 2 -D notebook.renderer=html "
                   f"-D state.savepoints.dir=file://{tmp_path}/savepoints")
    shown = _shown(captured)
    assert "stopped with a savepoint: file:" in shown, shown
    saved = shown.split("stopped with a savepoint: ")[1].split()[0]
    assert shown.splitlines()[-1].startswith("FINISHED") or "\nFINISHED ·" in shown
    assert any((tmp_path / "savepoints").iterdir())
    with capture_output() as captured:
        sql(query, f"--resume {CHANGES} -o resumed")
    try:
        assert f"resumed from {saved}" in _shown(captured)
    finally:
        shell.user_ns["resumed"].cancel()


def test_cancel_with_savepoint_cancels_when_the_savepoint_fails(sql):
    with capture_output() as captured:
        sql("SELECT k FROM resume_src -- savepoint fails",
            "--cancel-with-savepoint --timeout 1 -D notebook.renderer=html "
            "-D state.savepoints.dir=file:///proc/no-savepoints-here")
    shown = _shown(captured)
    assert "The savepoint failed, so the job was cancelled instead" in shown, shown
    assert "\nCANCELED ·" in shown or shown.startswith("CANCELED")
