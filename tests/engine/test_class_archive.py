"""The kernel JVM's class-data-sharing archive: written by ``flink-notebook class-archive``,
mapped by every later kernel of the same PyFlink and Java, and never a reason for Java not
to start (a damaged one is removed and the kernel starts without it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flink_notebook.engine import class_archive

#: A fresh kernel-like process: the extension, a first query, what its JVM was given and how
#: much class data it maps (the JDK's own archive alone is about 12 MB; with ours over 100).
PROBE = r"""
import json, re, subprocess
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
ip.run_line_magic("load_ext", "flink_notebook")
ip.run_cell_magic("flink_sql", "-o one", "SELECT 1 AS x")
from flink_notebook.engine.session import FlinkSession
jvm = FlinkSession.current().gateway.jvm
args = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
pid = jvm.java.lang.ProcessHandle.current().pid()
hotspot = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
    jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean"))
c2_after = hotspot.getVMOption("Tier4InvocationThreshold").getValue()
info = subprocess.run(["jcmd", str(pid), "VM.info"], capture_output=True, text=True).stdout
mapped = re.search(r"CDS archive\(s\) mapped at: .*?size (\d+)", info)
print("PROBE " + json.dumps({"rows": ip.user_ns["one"]["x"].tolist(), "args": args,
      "mapped_mb": int(mapped.group(1)) >> 20 if mapped else 0, "c2_after": c2_after}))
"""


def probe(env: dict, cwd: Path) -> dict:
    cwd.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = [x for x in done.stdout.splitlines() if x.startswith("PROBE ")]
    return {**json.loads(line[6:]), "stderr": done.stderr}


def test_without_an_archive_or_switched_off_no_option_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("FLINK_NOTEBOOK_STATE_DIR", str(tmp_path))
    assert class_archive.jvm_options(True) == []
    path = class_archive.archive_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    assert path.parent == tmp_path / "class-archives"
    options = class_archive.jvm_options(True)
    assert f"-XX:SharedArchiveFile={path}" in options and "-Xlog:cds=off" in options
    assert class_archive.jvm_options(False) == []
    assert class_archive.discard(options) == path and not path.exists()


def test_the_archive_names_this_pyflink_and_java(tmp_path, monkeypatch):
    monkeypatch.setenv("FLINK_NOTEBOOK_STATE_DIR", str(tmp_path))
    first = class_archive.archive_path()
    assert first.name.startswith("kernel-") and first.suffix == ".jsa"
    assert class_archive.archive_path() == first  # stable for the same installation
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert class_archive.archive_path() != first  # another Java never reads it


@pytest.mark.cluster
def test_a_written_archive_is_mapped_by_the_next_kernel_and_a_damaged_one_removed(tmp_path):
    env = {**os.environ, "FLINK_NOTEBOOK_STATE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "flink_notebook", "class-archive"], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    [archive] = (tmp_path / "class-archives").glob("kernel-*.jsa")
    assert "Wrote " + str(archive) in done.stdout
    assert not list(archive.parent.glob("*.partial"))

    used = probe(env, tmp_path / "notebooks")
    assert used["rows"] == [1]
    assert f"-XX:SharedArchiveFile={archive}" in used["args"]

    assert used["c2_after"] == "50000"  # LATER_C2 (engine/session.py)

    # The user's own JVM_ARGS come after ours, and win.
    off = probe({**env, "FLINK_NOTEBOOK_OPTS": "notebook.class-archive=false",
                 "JVM_ARGS": "-XX:Tier4InvocationThreshold=7000"}, tmp_path / "notebooks")
    assert not any("SharedArchiveFile" in a for a in off["args"])
    assert off["c2_after"] == "7000"
    assert used["mapped_mb"] > off["mapped_mb"] + 50, (used["mapped_mb"], off["mapped_mb"])

    with open(archive, "r+b") as file:  # damaged: the JVM that maps it dies of SIGBUS
        file.truncate(archive.stat().st_size // 3)
    recovered = probe(env, tmp_path / "notebooks")
    assert recovered["rows"] == [1] and recovered["mapped_mb"] == off["mapped_mb"]
    assert not archive.exists()
    assert "did not start with the class archive" in recovered["stderr"]
    assert not list((tmp_path / "notebooks").glob("hs_err*"))  # no crash report there
