"""Another Flink than the suite's own: its environment, its distribution, a cluster from it,
and a kernel of it run as a subprocess (tests/flink/test_cross_version.py).

The environment is ``<repo>/.venv-flink<minor>``, made from that minor's lock by
``FLINK_VERSION=<minor> bash scripts/setup-venv.sh`` (idempotent: quick when it is there).
Where the script does not know FLINK_VERSION yet, an environment already made by hand is
used as it is (a venv with the lock's packages and this checkout installed editable).
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flink_notebook.clusters.standalone import WHERE_FLINK_IS

REPO = Path(__file__).resolve().parents[1]
_SETUP = REPO / "scripts" / "setup-venv.sh"


def environment(minor: str) -> Path:
    """``<repo>/.venv-flink<minor>``, made or brought up to date from its lock; the test
    fails saying how to make it when it cannot be had."""
    from flink_notebook.core.flink_versions import SUPPORTED_MINORS

    # The newest is the default: its environment is .venv (scripts/flink-version.sh).
    venv = REPO / (".venv" if minor == SUPPORTED_MINORS[-1] else f".venv-flink{minor}")
    if "FLINK_VERSION" in _SETUP.read_text():
        # Its own output goes to the test's log; a failure says what went wrong.
        done = subprocess.run(["bash", str(_SETUP)], env={**os.environ, "FLINK_VERSION": minor},
                              cwd=REPO, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            pytest.fail(f"FLINK_VERSION={minor} bash scripts/setup-venv.sh failed:\n"
                        f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}", pytrace=False)
    if not (venv / "bin" / "python").is_file():
        pytest.fail(f"No Flink {minor} environment at {venv}: make it with FLINK_VERSION={minor} "
                    "bash scripts/setup-venv.sh", pytrace=False)
    return venv


def distribution(venv: Path) -> Path:
    """The Flink distribution inside the environment's ``pyflink`` (bin/, lib/, conf/)."""
    found = sorted(venv.glob("lib/python3*/site-packages/pyflink"))
    assert found and (found[0] / "bin" / "jobmanager.sh").is_file(), f"no pyflink in {venv}"
    return found[0]


def version(venv: Path) -> str:
    """The environment's apache-flink version (``1.20.5``), from its installed metadata."""
    found = sorted(venv.glob("lib/python3*/site-packages/apache_flink-*.dist-info"))
    assert found, f"no apache-flink installed in {venv}"
    return found[0].name.removeprefix("apache_flink-").removesuffix(".dist-info")


#: A kernel of the other Flink: an IPython shell with the extension, as the suite's own
#: (tests/conftest.py), that runs the cells it is given and prints what each gave, as JSON.
_KERNEL = textwrap.dedent("""
    import json, sys
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.config.FlinkMagics.prewarm = False
    ip.run_line_magic("load_ext", "flink_notebook")
    answers = []
    for line, cell in json.loads(sys.argv[1]):
        try:
            ip.run_cell_magic("flink_sql", line + " -o _answer", cell)
            value = ip.user_ns.pop("_answer", None)
        except Exception as exc:
            answers.append({"error": f"{type(exc).__name__}: {exc}"})
            continue
        if hasattr(value, "job_id"):
            answers.append({"job_id": value.job_id, "state": value.status()})
        elif hasattr(value, "to_dict"):
            answers.append({"rows": value.to_dict("records")})
        else:
            answers.append({"value": repr(value)})
    from flink_notebook.cells.notebook import Notebook

    Notebook.current().close()
    print("ANSWERS " + json.dumps(answers, default=str))
""")


def run_cells(venv: Path, cells: list[tuple[str, str]], timeout: float = 300) -> list[dict]:
    """Run ``%%flink_sql`` cells, each ``(line, cell)``, in a kernel of the environment's
    Flink (a Python subprocess); what each gave: ``{"rows": [...]}``, ``{"job_id",
    "state"}`` (a detached job's handle) or ``{"error": "..."}``."""
    # Where this kernel's Flink is (PyFlink sets them when its Java starts) is not where
    # the other's is: left in, the other kernel would start this one's JVM.
    env = {key: value for key, value in os.environ.items() if key not in WHERE_FLINK_IS}
    done = subprocess.run([str(venv / "bin" / "python"), "-c", _KERNEL, json.dumps(cells)],
                          capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, stdin=subprocess.DEVNULL, env=env)
    answers = [line for line in done.stdout.splitlines() if line.startswith("ANSWERS ")]
    assert done.returncode == 0 and answers, (
        f"the Flink kernel of {venv.name} failed (exit {done.returncode}):\n"
        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(answers[-1].removeprefix("ANSWERS "))


def answer(answers: list[dict], index: int) -> Any:
    """One cell's answer; its error fails the test with the message."""
    got = answers[index]
    assert "error" not in got, got["error"]
    return got

