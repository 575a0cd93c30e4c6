"""``flink-notebook class-archive``: write the kernel JVM's class-data-sharing archive
(:mod:`flink_notebook.engine.class_archive` says what it is and how a kernel uses it).

The archive is written by a training run, ``python -m flink_notebook.cli.class_archive
PATH``: a fresh process that loads the extension as a kernel does, runs :data:`TRAINING`
and makes its JVM exit, which is when the JVM writes the classes it loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from flink_notebook.core.config import environ_with_options
from flink_notebook.engine.class_archive import QUIET, archive_path, java_executable

#: What the training run does after ``%load_ext``: the start every kernel makes, a bounded
#: query into pandas and a streaming insert (the classes of a first SQL cell and its job).
TRAINING = (
    ("", "CREATE TEMPORARY TABLE archive_rows (n BIGINT, s STRING) WITH ("
         "'connector' = 'datagen', 'number-of-rows' = '1000')"),
    ("-o rows", "SELECT n, s, CHAR_LENGTH(s) AS l FROM archive_rows WHERE n > 0"),
    ("", "CREATE TEMPORARY TABLE archive_sink (n BIGINT) WITH ('connector' = 'blackhole')"),
    ("", "INSERT INTO archive_sink SELECT COUNT(*) FROM archive_rows GROUP BY s"),
)


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
        [sys.executable, "-m", "flink_notebook.cli.class_archive", str(partial)],
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
    """The training run (``python -m flink_notebook.cli.class_archive PATH``): start the
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
    from flink_notebook.cells.notebook import Notebook

    notebook = Notebook.current()
    session = notebook.session
    [jvm] = [p for p in psutil.Process().children() if "java" in p.name()]
    command = jvm.cmdline()
    classpath = command[command.index("-cp") + 1]
    notebook.close()
    try:
        session.gateway.jvm.System.exit(0)  # the dump happens as it exits; no answer comes
    except Exception:
        pass
    jvm.wait(timeout=300)
    print(classpath)


if __name__ == "__main__":
    _train(Path(sys.argv[1]))
