"""A class-data-sharing archive for the kernel's JVM (the JDK's dynamic AppCDS, Java 13+).

Before a first row, the kernel's JVM loads, verifies and links some 15,000 classes (the
gateway, the planner, the embedded cluster, a job's runtime). A JVM started with an
archive of them (``-XX:SharedArchiveFile``) maps them instead; benchmarks/RESULTS.md (B1)
has what that saves. The archive is written by a training run: a fresh process whose JVM
starts the session, runs a first query and exits with ``-XX:ArchiveClassesAtExit``.

An archive fits one PyFlink installation and one Java only, so its file name is a hash of
both and another version never reads it. ``flink-notebook class-archive`` writes it (so
does Binder's build); every kernel that finds it uses it,
unless ``notebook.class-archive`` is false. A damaged archive crashes the JVM that maps it
(SIGBUS, even with ``-Xshare:auto``), so an archive only gets its name once a JVM has
started with it, and a kernel whose JVM fails to start with one removes it and starts
without.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

from flink_notebook.clusters.registry import state_dir
from flink_notebook.core.config import environ_with_options

#: Keeps the JVM's notes on sharing (a mismatched archive, a dump's progress) out of cells.
QUIET = ("-Xlog:cds=off", "-Xlog:cds+dynamic=off")
#: What the training run does after ``%load_ext``: the start every kernel makes, a bounded
#: query into pandas and a streaming insert (the classes of a first SQL cell and its job).
TRAINING = (
    ("", "CREATE TEMPORARY TABLE archive_rows (n BIGINT, s STRING) WITH ("
         "'connector' = 'datagen', 'number-of-rows' = '1000')"),
    ("-o rows", "SELECT n, s, CHAR_LENGTH(s) AS l FROM archive_rows WHERE n > 0"),
    ("", "CREATE TEMPORARY TABLE archive_sink (n BIGINT) WITH ('connector' = 'blackhole')"),
    ("", "INSERT INTO archive_sink SELECT COUNT(*) FROM archive_rows GROUP BY s"),
)


def java_executable() -> str:
    """The ``java`` PyFlink launches (``$JAVA_HOME/bin/java``, else the one on PATH)."""
    from pyflink.pyflink_gateway_server import find_java_executable

    return find_java_executable() or "java"


def fingerprint() -> str:
    """What an archive is bound to: this PyFlink (its path, version and jars) and this Java
    (the resolved binary's path, size and time)."""
    import pyflink
    from pyflink.version import __version__ as pyflink_version

    home = Path(pyflink.__file__).resolve().parent
    parts = [str(home), pyflink_version]
    for jar in sorted(home.joinpath("lib").glob("*.jar")):
        parts.append(f"{jar.name}:{jar.stat().st_size}")
    java = Path(_which(java_executable())).resolve()
    stat = java.stat()
    parts.append(f"{java}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _which(executable: str) -> str:
    import shutil

    return shutil.which(executable) or executable


def archive_path() -> Path:
    """Where this PyFlink and Java's archive is (or would be)."""
    return state_dir() / "class-archives" / f"kernel-{fingerprint()}.jsa"


def jvm_options(enabled: bool) -> list[str]:
    """The options that make the kernel's JVM map its archive: none if there is none yet or
    ``enabled`` (``notebook.class-archive``) is false."""
    if not enabled:
        return []
    try:
        path = archive_path()
    except Exception:  # no PyFlink or Java to fingerprint: the launch itself will say so
        return []
    if not path.is_file():
        return []
    # Should the archive be damaged after all, the crash report goes beside it, not into
    # the notebook's directory.
    return [f"-XX:SharedArchiveFile={path}", "-Xshare:auto", *QUIET,
            f"-XX:ErrorFile={path.parent / 'hs_err_pid%p.log'}"]


def discard(options: list[str]) -> Path | None:
    """Remove the archive ``options`` named (a JVM failed to start with it)."""
    for option in options:
        if option.startswith("-XX:SharedArchiveFile="):
            path = Path(option.split("=", 1)[1])
            path.unlink(missing_ok=True)
            return path
    return None


def build(force: bool = False, say=print) -> Path:
    """Write the archive of this PyFlink and Java (about a minute on two CPUs); its path.

    The training run is a fresh process (a JVM dumps only the classes it loaded itself,
    and only at its exit); this one waits for it, checks that a JVM starts with what it
    wrote, and only then gives the file its name."""
    final = archive_path()
    if final.is_file() and not force:
        say(f"The class archive is there already: {final} ({final.stat().st_size >> 20} MB).")
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f"{final.stem}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    began = time.monotonic()
    say("Writing a class archive for the kernel's JVM: a training run starts Flink, runs "
        "a query and exits (about a minute)...")
    done = subprocess.run(
        [sys.executable, "-m", "flink_notebook.engine.class_archive", str(partial)],
        capture_output=True, text=True, timeout=600,
        env=environ_with_options("notebook.class-archive=false"),
    )
    try:
        if done.returncode != 0 or not partial.is_file():
            raise RuntimeError("the training run failed:\n" + (done.stderr or done.stdout)[-2000:])
        classpath = done.stdout.strip().splitlines()[-1]
        check = subprocess.run(
            [java_executable(), "-Xshare:on", f"-XX:SharedArchiveFile={partial}", *QUIET,
             "-cp", classpath, "-version"], capture_output=True, text=True, timeout=120)
        if check.returncode != 0:
            raise RuntimeError("a JVM does not start with the archive written:\n"
                               + check.stderr[-2000:])
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    say(f"Wrote {final} ({final.stat().st_size >> 20} MB) in {time.monotonic() - began:.0f} s; "
        "kernels started from now on use it.")
    return final


def _train(partial: Path) -> None:
    """The training run (``python -m flink_notebook.engine.class_archive PATH``): start the
    session as a kernel does, run :data:`TRAINING`, make the JVM exit (which writes the
    archive) and print its class path last."""
    import psutil
    from IPython.core.interactiveshell import InteractiveShell

    os.environ["JVM_ARGS"] = " ".join(filter(None, [
        os.environ.get("JVM_ARGS", ""), f"-XX:ArchiveClassesAtExit={partial}", *QUIET]))
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "flink_notebook")
    for line, cell in TRAINING:
        shell.run_cell_magic("flink_sql", line, cell)
    from flink_notebook.engine.session import FlinkSession

    session = FlinkSession.current()
    [jvm] = [p for p in psutil.Process().children() if "java" in p.name()]
    command = jvm.cmdline()
    classpath = command[command.index("-cp") + 1]
    session.close()
    try:
        session.gateway.jvm.System.exit(0)  # the dump happens as it exits; no answer comes
    except Exception:
        pass
    jvm.wait(timeout=300)
    print(classpath)


if __name__ == "__main__":
    _train(Path(sys.argv[1]))
