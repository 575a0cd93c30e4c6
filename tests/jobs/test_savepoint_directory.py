"""Where a handle's savepoints go when none is named (issue 32): the directory the
notebook hands it (``state.savepoints.dir``, as it is at the savepoint), else a one-line
error saying to set it. Pure: a scripted REST API, no Flink."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from flink_notebook.cells.notebook import Notebook
from flink_notebook.engine.session import FlinkSession
from flink_notebook.jobs.client import JobClient


class _Rest:
    """The savepoint calls of Flink's REST API, remembering where they were asked to go."""

    def __init__(self) -> None:
        self.directories: list[str] = []

    def trigger_savepoint(self, job_id: str, directory: str) -> str:
        self.directories.append(directory)
        return "trigger-1"

    def wait_savepoint(self, job_id: str, trigger: str) -> str:
        return f"{self.directories[-1]}/savepoint-1"


def test_without_a_directory_the_handle_says_to_set_one():
    job = JobClient("j1", _Rest())
    with pytest.raises(UsageError, match="set state.savepoints.dir") as refused:
        job.trigger_savepoint()
    assert "\n" not in str(refused.value)
    with pytest.raises(UsageError, match="set state.savepoints.dir"):
        job.stop_with_savepoint()


def test_a_named_directory_wins_over_the_default():
    rest = _Rest()
    job = JobClient("j1", rest)
    job.savepoints_from(lambda: "file:///default")
    assert job.trigger_savepoint("file:///named") == "file:///named/savepoint-1"
    assert job.trigger_savepoint() == "file:///default/savepoint-1"


def test_a_registered_handle_uses_the_notebooks_directory_as_it_is_now(tmp_path):
    """Set after the job started, the option still counts (the Stop button's advice)."""
    notebook = Notebook(FlinkSession.current())
    rest = _Rest()
    job = notebook.register(JobClient("j1", rest))
    assert job.savepoint_directory() is None
    notebook.configuration.set("state.savepoints.dir", str(tmp_path / "sp"))
    try:
        assert job.trigger_savepoint() == f"{(tmp_path / 'sp').as_uri()}/savepoint-1"
    finally:
        notebook.configuration.unset("state.savepoints.dir")
    assert rest.directories == [(tmp_path / "sp").as_uri()]
