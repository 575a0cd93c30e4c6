"""The resume memory (pure logic: a file in the state directory)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from flink_notebook.jobs import resume


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("FLINK_NOTEBOOK_STATE_DIR", str(tmp_path))


def test_a_cells_job_and_savepoint_are_remembered_and_the_oldest_cells_go(monkeypatch):
    resume.remember_job("nb#a", "j1", "http://127.0.0.1:1")
    resume.remember_savepoint("nb#a", "file:/sp/1", "j1")
    assert resume.resume_path("nb#a", "savepoint", None) == "file:/sp/1"
    assert resume.recalled("nb#a")["job"] == "j1"
    monkeypatch.setattr(resume, "_KEPT", 2)
    for key in ("nb#b", "nb#c"):
        resume.remember_job(key, "j", "http://127.0.0.1:1")
    assert resume.recalled("nb#a") == {} and resume.recalled("nb#c")["job"] == "j"


def test_nothing_to_resume_from_says_what_is_missing():
    with pytest.raises(UsageError, match="no savepoint was taken from this cell's job yet"):
        resume.resume_path("nb#never", "savepoint", None)
    with pytest.raises(UsageError, match="this cell has run no job yet"):
        resume.resume_path("nb#never", "checkpoint", None)


_WRITER = """
import os, sys, time
from flink_notebook.jobs import resume
go = sys.argv[2]
while not os.path.exists(go):  # both writers start together
    time.sleep(0.001)
for n in range(150):
    resume.remember_job(f"nb#{sys.argv[1]}{n}", "j", "http://127.0.0.1:1")
"""


def test_two_kernels_writing_at_once_lose_no_cell(tmp_path):
    import subprocess
    import sys

    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, name, str(go)])
               for name in ("a", "b")]
    go.touch()
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    remembered = [key for name in "ab" for n in range(150)
                  if resume.recalled(key := f"nb#{name}{n}")]
    assert len(remembered) == 300
