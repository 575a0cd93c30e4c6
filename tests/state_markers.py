"""A state directory with something of everything in it (resume memory, checkpoints, the
class archive, another cluster's record and logs), and a folder beside it, to check that
a command left both alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Names that are paths, not names: each would reach outside its own cluster folder (the
#: absolute one into the test's folder beside the state directory; the last one's folder is
#: cluster other's record). ``{tmp}`` is the test's tmp_path (see :func:`given`).
NOT_NAMES = ["..", ".", "team/a", "{tmp}/x", "a/../..", "", "other.json"]
#: What the refusal says a name may hold.
NAME_RULE = "use 1-64 letters, digits, '-', '_' or '.'"

_FILES = {
    "state/resume.json": '{"cells": {}}',
    "state/checkpoints/job-1/chk-3/_metadata": "checkpoint",
    "state/class-archives/kernel-x.jsa": "archive",
    "state/clusters/other.json": '{"name": "other"}',
    "state/clusters/other/log/jobmanager.log": "other's log",
    "x/keep": "beside the state directory",
}


def given(name: str, tmp_path: Path) -> str:
    """One of :data:`NOT_NAMES` as the test gives it."""
    return name.format(tmp=tmp_path)


def planted_state(tmp_path: Path, monkeypatch: Any) -> Path:
    """``tmp_path`` with the marker files; its ``state`` folder is the state directory.
    Should a cluster start get through, no Java or Flink process starts: it fails where it
    would spawn one (after it prepared the cluster's folder)."""
    from flink_notebook.clusters.standalone import LocalCluster

    def no_process(*args: Any) -> None:
        raise AssertionError("a Flink process would start")

    monkeypatch.setenv("FLINK_NOTEBOOK_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr("flink_notebook.core.java.ensure_java", lambda: None)
    monkeypatch.setattr(LocalCluster, "_spawn", no_process)
    for relative, text in _FILES.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def left_alone(folder: Path) -> bool:
    """True if ``folder`` holds the marker files as planted and nothing else."""
    files = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    folders = {p for p in folder.rglob("*") if p.is_dir()}
    planted_folders = {parent for relative in _FILES
                       for parent in (folder / relative).parents if folder in parent.parents}
    return (files == set(_FILES) and folders == planted_folders
            and all((folder / r).read_text() == t for r, t in _FILES.items()))
