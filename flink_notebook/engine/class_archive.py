"""A class-data-sharing archive for the kernel's JVM (the JDK's dynamic AppCDS, Java 13+).

Before a first row, the kernel's JVM loads, verifies and links some 15,000 classes (the
gateway, the planner, the embedded cluster, a job's runtime). A JVM started with an
archive of them (``-XX:SharedArchiveFile``) maps them instead; benchmarks/RESULTS.md (B1)
has what that saves. The archive is written by a training run
(:mod:`flink_notebook.cli.class_archive`): a fresh process whose JVM starts the session,
runs a first query and exits with ``-XX:ArchiveClassesAtExit``.

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
from pathlib import Path

from flink_notebook.core.state import state_dir

#: Keeps the JVM's notes on sharing (a mismatched archive, a dump's progress) out of cells.
QUIET = ("-Xlog:cds=off", "-Xlog:cds+dynamic=off")
def java_executable() -> str:
    """The ``java`` PyFlink launches (``$JAVA_HOME/bin/java``, else the one on PATH)."""
    from flink_notebook.engine.internals import java_executable as pyflinks_java

    return pyflinks_java() or "java"


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
