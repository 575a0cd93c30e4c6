"""%flink_run: a PyFlink program file runs as ``flink run -py`` runs it, its environments the
notebook's context environments; and the examples PyFlink ships run unmodified that way and
pasted into %%flink cells, on local, remote and per-job."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from handles import added_since, jobs_now
from IPython.core.error import UsageError
from waiting import until

from flink_notebook.cells.notebook import Notebook
from flink_notebook.engine.session import FlinkSession
from flink_notebook.jobs.client import JobClient
from flink_notebook.jobs.rest import client_for

pytestmark = pytest.mark.cluster

EXAMPLES = Path(__import__("pyflink").__file__).parent / "examples"

#: Examples that cannot run here, each with its reason. Every other one must run.
EXCLUDED = {
    "datastream/connectors/": "needs Kafka, Elasticsearch or Pulsar, which are not here",
    "table/basic_operations.py": "broken in PyFlink 2.3 itself: its `from "
                                 "pyflink.table.expressions import *` replaces the json module "
                                 "with the json() expression (fails under plain PyFlink too)",
    "table/streaming_word_count.py": "waits on an unbounded job (TableResult.wait()), which "
                                     "ends only when cancelled",
}
#: Unbounded examples whose env.execute() returns at once when detached: run detached, then
#: their job is seen running and cancelled.
UNBOUNDED = {"datastream/streaming_word_count.py", "datastream/asyncio/remote_model_inference.py"}


#: Left out on local only, with the reason; they run on the remote session cluster below.
LOCAL_EXCLUDED: dict[str, str] = {}  # every example runs on local


def examples() -> list[str]:
    found = sorted(str(path.relative_to(EXAMPLES)) for path in EXAMPLES.rglob("*.py")
                   if path.name != "__init__.py")
    return [name for name in found if not any(name.startswith(key) for key in EXCLUDED)]


def write(tmp_path: Path, source: str, name: str = "program.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def job_ids(rest_url: str) -> set[str]:
    session = FlinkSession.current()
    return {job["jid"] for job in client_for(rest_url, session.configuration).jobs_overview()}


def embedded_url() -> str:
    session = FlinkSession.current()
    session.ensure_started()
    return session.embedded_cluster().address.url


def handles(value) -> list[JobClient]:
    return [] if value is None else value if isinstance(value, list) else [value]


# --- the program's contract ----------------------------------------------------------------


def test_a_program_runs_as_main_with_its_arguments(shell, tmp_path, capsys):
    program = write(tmp_path, """
        import sys
        from pyflink.datastream import StreamExecutionEnvironment

        def main():
            print("name:", __name__, "argv:", sys.argv[1:])
            env = StreamExecutionEnvironment.get_execution_environment()
            env.from_collection([1, 2, 3]).print()
            env.execute("first")
            env.from_collection([4]).print()
            env.execute("second")

        if __name__ == "__main__":
            main()
        """)
    shell.run_line_magic("flink_run", f"-o jobs {program} --input x -v")
    assert "name: __main__ argv: ['--input', 'x', '-v']" in capsys.readouterr().out
    jobs = shell.user_ns["jobs"]
    assert [job.name for job in jobs] == ["first", "second"]
    assert [job.status() for job in jobs] == ["FINISHED", "FINISHED"]
    assert {job.job_id for job in jobs} <= job_ids(embedded_url())
    assert all(job in Notebook.current().jobs for job in jobs)  # in %flink_jobs


def test_a_path_that_does_not_exist_is_a_short_error(shell):
    with pytest.raises(UsageError, match=r"No PyFlink program at /no/such/program\.py \(a "
                                         r"\.py file to run"):
        shell.run_line_magic("flink_run", "/no/such/program.py")


def test_sys_exit_reports_the_code_and_the_jobs_and_the_kernel_goes_on(shell, tmp_path):
    program = write(tmp_path, """
        import sys
        from pyflink.datastream import StreamExecutionEnvironment
        env = StreamExecutionEnvironment.get_execution_environment()
        env.from_collection([1]).print()
        env.execute("before exit")
        sys.exit(3)
        """)
    with pytest.raises(UsageError) as error:
        shell.run_line_magic("flink_run", str(program))
    job = Notebook.current().jobs[-1]
    assert str(error.value) == (f"{program} exited with code 3 after submitting 1 job(s): "
                                f"before exit ({job.job_id}) FINISHED.")
    shell.run_line_magic("flink_run", f"-o after {write(tmp_path, 'print(1)', 'ok.py')}")
    assert shell.user_ns["after"] is None


RAISES_AFTER_A_JOB = """
    from pyflink.table import EnvironmentSettings, TableEnvironment
    te = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    te.execute_sql("CREATE TABLE src (n INT) WITH ('connector' = 'datagen', "
                   "'rows-per-second' = '5')")
    te.execute_sql("CREATE TABLE snk (n INT) WITH ('connector' = 'blackhole')")
    te.execute_sql("INSERT INTO snk SELECT n FROM src")

    def fail():
        raise ValueError("the program's own error")

    fail()
    """


@pytest.mark.parametrize("detached", [False, True])
def test_a_program_that_raises_after_a_job(shell, tmp_path, detached):
    """Its traceback points into the file; its job is cancelled when attached and kept
    when detached, as a cell does."""

    program = write(tmp_path, RAISES_AFTER_A_JOB)
    before = jobs_now()
    with pytest.raises(ValueError, match="the program's own error") as error:
        shell.run_line_magic("flink_run", ("--detached " if detached else "") + str(program))
    frames = [(frame.filename, frame.lineno) for frame in
              __import__("traceback").extract_tb(error.value.__traceback__)]
    assert (str(program), 10) in frames and (str(program), 12) in frames
    [job] = added_since(before)
    try:
        if detached:
            until(lambda: job.status() == "RUNNING", "the detached job running")
        else:
            until(lambda: job.status() == "CANCELED", "the attached job cancelled")
    finally:
        if not job.is_terminal:
            job.cancel()


# --- the examples PyFlink ships ------------------------------------------------------------


def test_the_examples_are_read_from_the_installed_package():
    names = examples()
    assert len(names) >= 20 and "datastream/word_count.py" in names
    assert not [name for name in names if "connectors" in name]


def run_example(shell, name: str, how: str, line: str) -> list[JobClient]:
    path = EXAMPLES / name
    detached = name in UNBOUNDED
    options = f"{line} {'--detached' if detached else ''} -o _example_jobs"
    shell.user_ns.pop("_example_jobs", None)
    if how == "flink_run":
        shell.run_line_magic("flink_run", f"{options} {path}")
    else:  # pasted into a %%flink cell as it is
        shell.run_cell_magic("flink", options, path.read_text())
    jobs = handles(shell.user_ns["_example_jobs"])
    assert jobs, f"{name} submitted no job"
    if detached:
        try:
            # The handle comes back once Flink accepted the job (it may still be
            # INITIALIZING); a detached unbounded job then runs until cancelled.
            until(lambda: [job.status() for job in jobs] == ["RUNNING"] * len(jobs),
                  f"{name}'s detached jobs running")
        finally:
            for job in jobs:
                job.cancel()
    else:
        assert {job.status() for job in jobs} == {"FINISHED"}, name
    return jobs


#: Pasting into a cell differs from %flink_run only in how the code is run (the routing is
#: the same), so CI pastes these, a DataStream and a Table program of each kind; all with
#: FLINK_NOTEBOOK_EXAMPLES=all.
PASTED = [
    "datastream/basic_operations.py", "datastream/state_access.py",
    "datastream/asyncio/remote_model_inference.py", "table/multi_sink.py",
    "table/pandas/conversion_from_dataframe.py", "table/windowing/over_window.py",
]
PASTED = [name for name in PASTED if name in examples()]  # the async ones came with 2.1


def local_examples() -> list:
    names = [name for name in examples() if name not in LOCAL_EXCLUDED]
    pasted = names if os.environ.get("FLINK_NOTEBOOK_EXAMPLES") == "all" else PASTED
    return ([pytest.param(name, "flink_run", id=f"{name}-flink_run") for name in names]
            + [pytest.param(name, "cell", id=f"{name}-cell") for name in pasted])


@pytest.mark.parametrize(("name", "how"), local_examples())
def test_an_example_runs_unmodified_on_local(shell, name, how):
    before = job_ids(embedded_url())
    jobs = run_example(shell, name, how, "")
    assert job_ids(embedded_url()) - before == {job.job_id for job in jobs}
    assert all(job in Notebook.current().jobs for job in jobs)


#: Every example runs both ways on local (above). CI runs these on a remote session cluster
#: and per-job, which between them use every submitting call the examples make (several
#: env.execute() in one program: the first test here; a cluster each on per-job:
#: test_context_environments), TableResult.wait() of an INSERT,
#: a statement set, to_pandas, a DataStream turned into a table, an async UDF, a pandas UDAF,
#: an unbounded job run detached. FLINK_NOTEBOOK_EXAMPLES=all runs every example on both
#: (about 10 more minutes here; the closing note of the session that added it has the run).
ALL_EVERYWHERE = os.environ.get("FLINK_NOTEBOOK_EXAMPLES") == "all"
REMOTE = examples() if ALL_EVERYWHERE else [
    "datastream/word_count.py", "datastream/streaming_word_count.py",
    "table/mixing_use_of_datastream_and_table.py", "table/async/async_scalar_function.py",
    "table/pandas/pandas_udaf.py", "table/word_count.py"]
REMOTE = [name for name in REMOTE if name in examples()]  # those the kernel's Flink ships
#: A DataStream program on per-job (a cluster for each of its env.execute() calls, and what
#: it prints) is run by test_context_environments and the printing test below, so the
#: examples here are the Table API's: a statement set and a query read into pandas.
PER_JOB = examples() if ALL_EVERYWHERE else [
    "table/multi_sink.py", "table/pandas/conversion_from_dataframe.py"]


@pytest.mark.parametrize("name", REMOTE)
def test_an_example_runs_unmodified_on_a_remote_session_cluster(shell, session_cluster, name):
    before = job_ids(session_cluster.rest_url)
    jobs = run_example(shell, name, "cell",
                       f"--target remote -D rest.address={session_cluster.rest_url}")
    assert job_ids(session_cluster.rest_url) - before == {job.job_id for job in jobs}
    assert {job.rest.url for job in jobs} == {session_cluster.rest_url}


@pytest.mark.parametrize("name", PER_JOB)
def test_an_example_runs_unmodified_on_per_job(shell, name):
    jobs = run_example(shell, name, "flink_run", "--target per-job")
    urls = {job.rest.url for job in jobs}
    assert len(urls) == len(jobs) and embedded_url() not in urls  # a cluster per job
    assert all(job.cluster is not None for job in jobs)
    # each goes with its job (a query's, once its rows are read: that is in the background)
    until(lambda: all(job.cluster.status() == "stopped" for job in jobs),
          "every per-job cluster stopped")


def test_in_a_kernel_an_examples_printed_output_appears_in_its_cell(tmp_path):
    """What the program prints and what its print sink writes (the embedded cluster's
    TaskManager is the kernel's JVM) land in the cell; our REST polling does not, though
    the example turns INFO logging on."""
    import subprocess
    import sys

    import nbformat

    example = EXAMPLES / "datastream" / "word_count.py"
    path = tmp_path / "example.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%load_ext flink_notebook"),
        nbformat.v4.new_code_cell(f"%flink_run -o jobs {example}"),
        nbformat.v4.new_code_cell("print(jobs.status())"),
    ]), path)
    saved = tmp_path / "saved.ipynb"
    # ipykernel leaves fd output alone when it sees pytest (PYTEST_CURRENT_TEST); a kernel
    # started by a user has no such variable.
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    done = subprocess.run([sys.executable, "-m", "flink_notebook", "run", str(path),
                           "--output", str(saved)], capture_output=True, text=True,
                          timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    cells = nbformat.read(saved, 4).cells
    printed = "".join(o.get("text", "") for o in cells[1].outputs)
    assert "Executing word_count example with default input data set." in printed
    assert "(To,4)" in printed and "(the,15)" in printed  # the print sink's lines
    assert "HTTP Request" not in printed
    assert "".join(o.get("text", "") for o in cells[2].outputs) == "FINISHED\n"


PRINTING = """
from pyflink.datastream import StreamExecutionEnvironment

env = StreamExecutionEnvironment.get_execution_environment()
env.from_collection([1, 2, 3]).map(lambda x: f"printed-{x}").print()
env.execute("printing")
"""


@pytest.mark.parametrize("target", ["remote", "per-job"])
def test_what_a_job_prints_on_a_cluster_appears_in_its_cell(shell, session_cluster, target):
    """A print sink on a remote or per-job cluster writes to a TaskManager's .out file; the
    cell shows what it added once the attached job has ended."""
    from IPython.utils.capture import capture_output

    line = f"--target {target} -D notebook.renderer=text"
    if target == "remote":
        line += f" -D rest.address={session_cluster.rest_url}"
    with capture_output() as captured:
        shell.run_cell_magic("flink", line, PRINTING)
    printed = [ln for ln in captured.stdout.splitlines() if "printed-" in ln]
    assert sorted(ln.split("printed-")[1] for ln in printed) == ["1", "2", "3"], \
        captured.stdout
