"""Secrets never reach an output: one corpus of cells puts a fake secret in every place a
statement can hold one (WITH, OPTIONS hints, SET, catalog and function options, CTAS,
INSERT, EXPLAIN, ``{name}`` from a Python variable, a URL's user info) and in broken forms
of them (a quote left open, a trailing comma, a syntax error beside it). Every cell runs as
a ``%%flink_sql`` or ``%%flink`` cell, attached and detached, plain and ``--verbose``; then
each channel a value could leak through is read, and none may hold one:

- what each cell output (every mime type, printed text, errors),
- ``%flink_jobs``, ``SHOW JOBS``, ``%flink_config``,
- the job names and plans (operator descriptions) in the embedded cluster's REST API,
- the kernel's Flink log (what it wrote while the corpus ran) and the logs of clusters in
  the state directory,
- the notebook ``flink-notebook run`` saves (outputs, widget state, metadata) and the log
  of its kernel's Flink.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import nbformat
import pytest
from IPython.utils.capture import capture_output

pytestmark = pytest.mark.cluster

#: Python variables the cells substitute (``{pw}``) or use; their values are secrets too.
VARIABLES = {"pw": "hunter2-12", "pw23": "hunter2-23"}
SETUP = """%%flink_sql
CREATE TEMPORARY TABLE IF NOT EXISTS src (a INT)
  WITH ('connector' = 'datagen', 'number-of-rows' = '3');
CREATE TEMPORARY TABLE IF NOT EXISTS k (a INT)
  WITH ('connector' = 'filesystem', 'path' = '{folder}/k', 'format' = 'csv');
CREATE TEMPORARY TABLE IF NOT EXISTS bh (a INT) WITH ('connector' = 'blackhole')"""
INSERT_HINT = "INSERT INTO k /*+ OPTIONS('csv.password'='hunter2-3') */ SELECT a FROM src"


@dataclass(frozen=True)
class Case:
    """Cells run in order; each ``%%`` cell once per magic-line variant (``@v`` in a cell
    is the variant's number, for names that must differ)."""

    name: str
    cells: tuple[str, ...]
    variants: tuple[str, ...] = ("",)


SQL, PY = "%%flink_sql", "%%flink"
ERRORS = ("", "--verbose")
JOBS = ("", "--detached")
CORPUS = (
    Case("WITH, then a query that trips over it", (
        f"{SQL}\nCREATE TEMPORARY TABLE w1_@v (a INT) WITH ('connector'='datagen', "
        "'password'='hunter2-1');\nSELECT * FROM w1_@v",), ERRORS),
    Case("CTAS", (
        f"{SQL}\nCREATE TABLE c2_@v WITH ('csv.password'='hunter2-2', "
        "'connector'='filesystem', 'path'='{folder}/c2_@v', 'format'='csv') "
        "AS SELECT a FROM src",), JOBS),
    Case("INSERT with an OPTIONS hint", (f"{SQL}\n{INSERT_HINT}",),
         (*JOBS, "--target per-job --detached")),
    Case("an OPTIONS hint on a source (in the job's plan)", (
        f"{SQL}\nINSERT INTO bh SELECT a FROM k /*+ OPTIONS('csv.password'='hunter2-25') */",),
         JOBS),
    Case("EXPLAIN of a hint", (
        f"{SQL}\nEXPLAIN SELECT * FROM k /*+ OPTIONS('csv.password'='hunter2-4') */",)),
    Case("SET, SET; and RESET", (f"{SQL}\nSET 'password' = 'hunter2-5';\nSET;\n"
                                 "RESET 'password'",)),
    Case("SET with its quote left open", (f"{SQL}\nSET 'password' = 'hunter2-6",), ERRORS),
    Case("SET unquoted", (f"{SQL}\nSET my.passwd = hunter2-7;\nRESET 'my.passwd'",)),
    Case("CREATE CATALOG options", (
        f"{SQL}\nCREATE CATALOG c8_@v WITH ('type'='generic_in_memory', "
        "'passwd'='hunter2-8', 'private-key'='hunter2-9')",), ERRORS),
    Case("CREATE FUNCTION USING JAR from a URL with user info", (
        f"{SQL}\nCREATE TEMPORARY FUNCTION f10 AS 'no.Such' LANGUAGE JAVA "
        "USING JAR 'http://alice:hunter2-10@localhost:9/f.jar'",), ERRORS),
    Case("CREATE FUNCTION USING JAR with options", (
        f"{SQL}\nCREATE TEMPORARY FUNCTION f11 AS 'no.Such' LANGUAGE JAVA "
        "USING JAR '/no/f.jar' WITH ('password'='hunter2-11')",), ERRORS),
    Case("{pw} from Python, then a trailing comma", (
        f"{SQL}\nCREATE TEMPORARY TABLE v12 (a INT)\n"
        "  WITH ('connector'='datagen', 'password'='{pw}',)",), ERRORS),
    Case("a trailing comma", (
        f"{SQL}\nCREATE TEMPORARY TABLE t13 (a INT) WITH ('connector'='datagen',\n"
        "  'password'='hunter2-13',)",), ERRORS),
    Case("a quote left open in WITH", (
        f"{SQL}\nCREATE TEMPORARY TABLE t14 (a INT) WITH ('connector'='datagen', "
        "'password'='hunter2-14)",), ERRORS),
    Case("an unquoted value", (
        f"{SQL}\nCREATE TEMPORARY TABLE t15 (a INT) WITH ('password' = hunter2x15)",), ERRORS),
    Case("a syntax error after a hint", (
        f"{SQL}\nSELECT * FROM src /*+ OPTIONS('csv.password'='hunter2-16') */ WHERE",),
         ERRORS),
    Case("SET while a statement set is open", (
        f"{SQL}\nBEGIN STATEMENT SET;", f"{SQL}\nSET 'password' = 'hunter2-17'",
        f"{SQL}\n{INSERT_HINT};", f"{SQL}\nEND;")),
    Case("a job run with a secret option of the cell", (
        f"{SQL} -D db.passwd=hunter2-24\nINSERT INTO k SELECT a FROM src",), JOBS),
    Case("rest.address with user info", (
        "%flink_config rest.address=http://alice:hunter2-18@localhost:8081",
        "%flink_config",
        "from flink_notebook.engine.session import FlinkSession\n"
        "FlinkSession.current().configuration.unset('rest.address')")),
    Case("%%flink: WITH, then a query that trips over it", (
        f"{PY}\nt_env.execute_sql(\"CREATE TEMPORARY TABLE p20_@v (a INT) WITH "
        "('connector'='datagen', 'password'='hunter2-20')\")\n"
        "t_env.execute_sql('SELECT * FROM p20_@v').collect()",), ERRORS),
    Case("%%flink: INSERT with an OPTIONS hint", (
        f"{PY}\nt_env.execute_sql(\"INSERT INTO k /*+ OPTIONS('csv.password'='hunter2-21') "
        "*/ SELECT a FROM src\")",), JOBS),
    Case("%%flink: a trailing comma", (
        f"{PY}\nt_env.execute_sql(\"CREATE TABLE p22 (a INT) WITH "
        "('password'='hunter2-22',)\")",), ERRORS),
    Case("%%flink: catalog options from a Python variable", (
        f"{PY}\nt_env.execute_sql(f\"CREATE CATALOG p23_@v WITH ('type'='generic_in_memory', "
        "'passwd'='{pw23}')\")",), ERRORS),
)
#: Every secret of the corpus: each is distinct, so a leak names its case.
SECRET = re.compile(r"hunter2[-x]\d+")
SECRETS = sorted({*SECRET.findall(str(CORPUS)), *VARIABLES.values()})
JOB_NAMES = ("INSERT INTO k /*+ OPTIONS('csv.password'='********') */",
             "CREATE TABLE c2_0 WITH ('csv.password'='********'")


def cells_of(folder: Path) -> list[tuple[str, str]]:
    """(case and variant, source) of every cell of the corpus, in order."""
    cells = [("setup", SETUP.replace("{folder}", str(folder)))]
    for case in CORPUS:
        for number, variant in enumerate(case.variants):
            for cell in case.cells:
                source = cell.replace("@v", str(number)).replace("{folder}", str(folder))
                if source.startswith("%%"):
                    magic, body = source.split("\n", 1)
                    source = f"{magic} {variant}".rstrip() + "\n" + body
                cells.append((f"{case.name} [{variant or 'plain'}]", source))
    return cells


def leaks(channels: dict[str, str]) -> list[str]:
    """``where: secret`` for each secret a channel holds (hunter2-1 is not in hunter2-12)."""
    return [f"{where}: {secret}" for where, text in channels.items() for secret in SECRETS
            if re.search(re.escape(secret) + r"(?!\d)", text)]


def _log_sizes(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_size for path in folder.glob("*") if path.is_file()}


@pytest.fixture(scope="module")
def channels(shell, tmp_path_factory):
    """Run the corpus in the test's shell; every channel's text by where it was read."""
    from waiting import until

    from flink_notebook.cells.notebook import Notebook
    from flink_notebook.core.java import flink_log_dir
    from flink_notebook.core.state import state_dir
    from flink_notebook.display.job_cells import table_html
    from flink_notebook.display.job_rows import read_rows

    folder = tmp_path_factory.mktemp("corpus")
    shell.user_ns.update(VARIABLES)
    shell.run_cell(cells_of(folder)[0][1])  # starts Flink
    log_dir = flink_log_dir()
    logged = _log_sizes(log_dir)
    found: dict[str, str] = {}
    notebook = Notebook.current()
    before = list(notebook.jobs)
    for where, source in cells_of(folder)[1:]:
        with capture_output() as captured:
            shell.run_cell(source)
        found[f"cell {where}: {source.splitlines()[0]}"] = "\n".join(
            [captured.stdout, captured.stderr]
            + [str(value) for output in captured.outputs for value in output.data.values()])
    started = [job for job in notebook.jobs if job not in before]
    for job in started:  # each reads three rows: they end, and their names are final
        until(lambda job=job: job.is_terminal, f"{job.name} ending")
    jobs = shell.run_line_magic("flink_jobs", "")
    found["%flink_jobs"] = jobs.to_string() + jobs.to_html() + table_html(  # and its grid's
        read_rows(notebook.jobs))
    with capture_output() as captured:
        shell.run_cell(f"{SQL}\nSHOW JOBS")
    found["SHOW JOBS"] = captured.stdout + "".join(
        str(value) for output in captured.outputs for value in output.data.values())
    configuration = shell.run_line_magic("flink_config", "")
    found["%flink_config"] = configuration.describe() + configuration._repr_html_()
    embedded = notebook.session.embedded_cluster().address.url
    overview = httpx.get(f"{embedded}/jobs/overview", timeout=10).json()
    found["REST /jobs/overview"] = "\n".join(job["name"] for job in overview["jobs"])
    found["REST /jobs/<id> and its plan"] = "\n".join(  # the web UI's operator descriptions
        httpx.get(f"{embedded}/jobs/{job['jid']}{what}", timeout=10).text
        for job in overview["jobs"] for what in ("", "/plan"))
    for path in _log_sizes(log_dir):
        with path.open("rb") as log:
            log.seek(logged.get(path, 0))
            found[f"log {path.name}"] = log.read().decode(errors="replace")
    for path in state_dir().rglob("*"):  # clusters' logs (a per-job one's, kept if it failed)
        if path.is_file() and (".log" in path.name or path.suffix == ".out"):
            found[f"log {path}"] = path.read_text(errors="replace")
    for name in [name for name in shell.user_ns if name in VARIABLES]:
        del shell.user_ns[name]
    return found


def test_the_corpus_ran_and_its_jobs_are_named_masked(channels):
    """Not a vacuous pass: the jobs ran, named by their masked statements."""
    names = channels["REST /jobs/overview"]
    assert all(name in names for name in JOB_NAMES), names
    assert "%flink_jobs" in channels and any("hunter2" not in t for t in channels.values())


@pytest.mark.parametrize("channel", ["cell", "%flink_jobs", "SHOW JOBS", "%flink_config",
                                     "REST /jobs/overview", "REST /jobs/<id>", "log"])
def test_no_channel_holds_a_secret(channels, channel):
    read = {where: text for where, text in channels.items() if where.startswith(channel)}
    assert read, f"no {channel} was read"
    assert not leaks(read), "\n".join(leaks(read))


def test_the_saved_notebook_and_its_kernels_log_hold_no_secret(tmp_path):
    """The corpus run headless by ``flink-notebook run`` (a kernel: widgets), every cell
    tagged to go on after an error: outputs, widget state and the kernel's Flink log."""
    code = "\n".join(f"{name} = {value!r}" for name, value in VARIABLES.items())
    cells = [("load", "%load_ext flink_notebook\n" + code), *cells_of(tmp_path)]
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(source, metadata={"tags": ["raises-exception"]})
        for _, source in cells])
    path, saved = tmp_path / "corpus.ipynb", tmp_path / "saved.ipynb"
    nbformat.write(notebook, path)
    log_dir = tmp_path / "kernel-log"
    log_dir.mkdir()
    done = subprocess.run([sys.executable, "-m", "flink_notebook", "run", str(path),
                           "--output", str(saved)], capture_output=True, text=True,
                          timeout=900, env={**os.environ, "FLINK_LOG_DIR": str(log_dir)})
    printed = done.stdout + done.stderr
    assert saved.exists(), printed
    result = nbformat.read(saved, 4)
    for cell in result.cells:  # the sources are the user's own; all else is ours
        cell.source = ""
    found = {"saved notebook": nbformat.writes(result), "flink-notebook run": printed}
    found |= {f"kernel log {p.name}": p.read_text(errors="replace") for p in log_dir.iterdir()}
    assert "rest.address" in found["saved notebook"]  # the corpus ran to its end
    assert "widget-state" in found["saved notebook"]  # with its widgets' state saved
    assert not leaks(found), "\n".join(leaks(found))
