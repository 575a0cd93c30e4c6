"""The deployments' records: versions, a refused second deploy, two processes at once, and
a state directory that cannot be written."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from flink_notebook.deploy.records import DEPLOYING, FAILED, Records, check_name


def test_versions_count_up_and_a_running_one_refuses_another(tmp_path):
    records = Records(tmp_path / "d.sqlite")
    assert records.latest() == []
    assert records.reserve("orders", "nb.ipynb", "cell-1", "per-job") == 1
    records.submitted("orders", 1, "/a/v1", "job1", "pj-1", "http://127.0.0.1:1", "RUNNING")
    with pytest.raises(UsageError, match=r"orders v1 runs \(job job1, RUNNING\)"):
        records.reserve("orders", "nb.ipynb", "cell-1", "per-job")
    records.job_state("job1", "CANCELED", "stopped")
    assert records.reserve("orders", "nb.ipynb", "cell-2", "remote") == 2
    records.failed("orders", 2, "SQL error")
    [latest] = records.latest()
    assert (latest.label, latest.status, latest.cell, latest.target) == (
        "orders v2", FAILED, "cell-2", "remote")
    events = [(version, event) for _, version, event, _ in records.outcomes("orders")]
    assert events == [(1, "reserved"), (1, "deployed"), (None, "refused"), (1, "stopped"),
                      (2, "reserved"), (2, "failed")]
    assert oct(os.stat(records.path).st_mode & 0o777) == "0o600"


def test_a_version_left_deploying_by_a_dead_process_does_not_block(tmp_path):
    records = Records(tmp_path / "d.sqlite")
    dead = subprocess.Popen(["true"])
    dead.wait()
    records.reserve("orders", None, None, "per-job")
    with records._transaction() as db:
        db.execute("UPDATE versions SET pid = ?", (dead.pid,))
    assert records.reserve("orders", None, None, "per-job") == 2
    statuses = [v for _, v, e, _ in records.outcomes("orders") if e == "reserved"]
    assert statuses == [1, 2]
    assert records.find("orders").status == DEPLOYING


def _reserve(path: str, start, done, results) -> None:
    start.wait()
    try:
        said = ("won", Records(Path(path)).reserve("orders", "k.ipynb", "c", "per-job"))
    except UsageError as exc:
        said = ("refused", str(exc))
    done.wait()  # the winner lives on until the other has looked, as a deploying kernel does
    results.put(said)


def test_two_processes_deploying_one_name_at_once_one_wins(tmp_path):
    path = str(tmp_path / "d.sqlite")
    context = multiprocessing.get_context("spawn")
    start, done, results = context.Barrier(2), context.Barrier(2), context.Queue()
    workers = [context.Process(target=_reserve, args=(path, start, done, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    said = sorted(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
    assert said[1] == ("won", 1), said
    assert said[0][0] == "refused" and "being deployed right now by another kernel" in said[0][1]
    events = [e for _, _, e, _ in Records(Path(path)).outcomes("orders")]
    assert sorted(events) == ["refused", "reserved"]


def test_an_unknown_name_names_the_known_ones(tmp_path):
    records = Records(tmp_path / "d.sqlite")
    records.reserve("orders", None, None, "per-job")
    with pytest.raises(UsageError, match=r"No deployment named 'ordes' \(known: orders\)"):
        records.find("ordes")


@pytest.mark.parametrize("name", ["", "../x", "a/b", "-a", "x" * 65, "a b"])
def test_a_name_is_never_a_path(name):
    with pytest.raises(UsageError, match="A deployment's name is letters"):
        check_name(name)


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` on a read-only disk (root: a read-only tmpfs mounted there; anyone else:
    a folder without write permission, which the same error comes from)."""
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        yield folder
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
                   check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_state_directory_on_a_read_only_disk_is_one_line(tmp_path):
    with read_only(tmp_path / "ro") as folder:
        records = Records(folder / "deployments.sqlite")
        with pytest.raises(UsageError) as raised:
            records.reserve("orders", None, None, "per-job")
    said = str(raised.value)
    assert "\n" not in said
    assert said.startswith(f"Cannot write the deployments' records in {folder} (")
    assert said.endswith("set FLINK_NOTEBOOK_STATE_DIR to a writable directory.")


def test_a_refused_upgrade_does_not_hide_the_running_version_and_history_is_in_order(tmp_path):
    records = Records(tmp_path / "d.sqlite")
    records.reserve("orders", "nb.ipynb", "cell-1", "per-job")
    records.submitted("orders", 1, "/a/v1", "job1", "pj-1", "http://127.0.0.1:1", "RUNNING")
    assert records.reserve("orders", "nb.ipynb", "cell-2", "per-job", upgrading=True) == 2
    records.failed("orders", 2, "orders v2 would lose the state of group-aggregate #6")
    assert (records.get("orders").version, records.get("orders").job_id) == (1, "job1")
    records.savepoint("job1", "file:/sp/1")
    records.job_state("job1", "FINISHED", "stopped", "savepoint file:/sp/1")
    assert records.get("orders").version == 2  # nothing runs: the newest version shows
    assert records.reserve("orders", "nb.ipynb", "cell-3", "per-job", upgrading=True) == 3
    records.submitted("orders", 3, "/a/v3", "job3", "pj-3", "http://127.0.0.1:3", "RUNNING")
    records.outcome("orders", 3, "upgraded", "from v1, savepoint file:/sp/1", "job3")
    records.restarted("orders", 1, "job1b", "pj-4", "http://127.0.0.1:4", "rolled back")
    assert (records.get("orders").version, records.get("orders").job_id) == (1, "job1b")
    assert records.newest_savepoint("orders") == (1, "file:/sp/1")
    assert [v.version for v in records.versions("orders")] == [1, 2, 3]
    what = [(row[1], row[2]) for row in records.history("orders")]
    assert what.index(("failed", 2)) < what.index(("savepoint", 1)) < \
        what.index(("upgraded", 3)) < what.index(("rolled back", 1))
    assert ("job", 1) in what and ("version", 3) in what
