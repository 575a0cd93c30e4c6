"""The headless runner: one line per code cell as it runs, stopping at the first error."""

from __future__ import annotations

import io
import json
import os
import sys
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest
from IPython.core.error import UsageError

from flink_notebook.cli.run import (
    AsyncKernelManager,
    ThisPythonKernel,
    kernel_manager_class,
    pass_on,
    run_notebook,
    summarize,
)
from flink_notebook.display.renderers.snapshot import bundle
from flink_notebook.display.words import plural


def write_notebook(folder, *sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# tiny")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    path = folder / "tiny.ipynb"
    nbformat.write(notebook, path)
    return path


def test_a_line_per_cell_then_stop_at_the_error(tmp_path):
    path = write_notebook(
        tmp_path,
        "print('hello')\nprint('world')",
        "import pandas as pd\npd.DataFrame({'a': [1, 2, 3], 'b': list('xyz')})",
        "1/0",
        "print('never')",
    )
    out = io.StringIO()
    assert run_notebook(path, stream=out, output=tmp_path / "done.ipynb") == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Running tiny.ipynb in {tmp_path} (kernel: {sys.executable})"
    assert lines[1].startswith("[ 1] print('hello')")
    assert lines[1].endswith(" s  stdout: 'hello' (+1 lines)")
    assert lines[2].startswith("[ 2] import pandas as pd")
    assert lines[2].endswith("DataFrame 3 rows x 2 columns")
    assert lines[3].startswith("[ 3] 1/0")
    assert lines[3].endswith("error: ZeroDivisionError: division by zero")
    assert lines[4].startswith("tiny.ipynb: 4 code cells, stopped at cell 3 of 4, ")
    assert len(lines) == 5  # nothing after the error ran
    done = nbformat.read(tmp_path / "done.ipynb", as_version=4)
    assert done.cells[1].outputs[0]["text"] == "hello\nworld\n"
    assert done.cells[4].outputs == []


def test_a_missing_notebook_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="No notebook at .*missing.ipynb"):
        run_notebook(tmp_path / "missing.ipynb")


def test_a_file_that_is_not_a_notebook_is_a_usage_error(tmp_path):
    path = tmp_path / "notes.ipynb"
    path.write_text("not json")
    with pytest.raises(UsageError, match="is not a notebook"):
        run_notebook(path)


def kernel_spec(folder, python):
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "language": "python", "display_name": "Python 3"})
    )


def test_an_installed_kernel_of_this_python_is_used(tmp_path, monkeypatch):
    kernel_spec(tmp_path, sys.executable)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    assert kernel_manager_class() is AsyncKernelManager


def test_a_kernel_of_another_python_is_replaced_by_this_one(tmp_path, monkeypatch):
    kernel_spec(tmp_path, "/usr/bin/python3")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    assert kernel_manager_class() is ThisPythonKernel
    assert ThisPythonKernel().format_kernel_cmd()[0] == sys.executable


def job_view(state, received=None):
    """The fields the display's snapshot reads, to check the runner reads what it writes."""
    job = SimpleNamespace(
        name="SELECT 1",
        job_id="3f2a" * 8,
        web_url=f"http://127.0.0.1:8081/#/job/running/{'3f2a' * 8}/overview",
    )
    return SimpleNamespace(
        state=state,
        job=job,
        elapsed=2.14,
        result=None if received is None else object(),
        received=received,
        counted=None if received is None else plural(received, "row"),
        waiting=None,
        note=None,
        failure=None,
        failure_trace=None,
        operators=[],
        rows=None,
        truncated=False,
        progress=(0, 0),
        watermark=None,
        ended=True,
    )


def display(data, kind="display_data"):
    return {"output_type": kind, "data": data, "metadata": {}}


def test_summaries():
    frame = pd.DataFrame({"a": range(100), "b": 1, "c": 2})
    assert summarize([display(bundle(job_view("FINISHED", 10)))]) == (
        "job 3f2a3f2a FINISHED in 2.1 s, 10 rows"
    )
    assert summarize([display(bundle(job_view("RUNNING")))]) == "job 3f2a3f2a RUNNING in 2.1 s"
    assert summarize([display({"text/html": frame._repr_html_()})]) == (
        "DataFrame 100 rows x 3 columns"
    )
    with pd.option_context("display.max_rows", 10):  # pandas' own footer
        assert summarize([display({"text/html": frame._repr_html_()})]) == (
            "DataFrame 100 rows x 3 columns"
        )
    assert summarize([display({"text/html": frame.head(0)._repr_html_()})]) == (
        "DataFrame 0 rows x 3 columns"
    )
    assert summarize([display({"text/plain": "42"}, "execute_result")]) == "'42'"
    stream = [{"output_type": "stream", "name": "stdout", "text": t} for t in ("a\n", "b\n")]
    assert summarize(stream) == "stdout: 'a' (+1 lines)"
    error = {
        "output_type": "error",
        "ename": "UsageError",
        "evalue": "\x1b[31mBad\x1b[0m\nmore",
        "traceback": [],
    }
    assert summarize([*stream, error]) == "error: UsageError: Bad"
    # IPython prints a UsageError on stderr: the summary says it whole, not cut at 60.
    said = ("UsageError: Flink cluster cluster-3bedb5 did not start (the taskmanager-0 "
            "exited): no error in the logs (logs: /tmp/x)\n")
    usage = {"output_type": "stream", "name": "stderr", "text": said}
    assert summarize([*stream, usage]) == "error: " + said.strip()
    assert summarize([]) == "no output"
    assert len(summarize([display({"text/plain": "x" * 50})] * 5)) == 110


def test_timeout_stops_a_cell_that_runs_too_long(tmp_path):
    """``flink-notebook run --timeout S``: a cell still running after S seconds ends the run."""
    import subprocess
    import time

    path = write_notebook(tmp_path, "print('quick')", "import time\ntime.sleep(600)",
                          "print('never')")
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "flink_notebook", "run", str(path),
                          "--timeout", "3"], capture_output=True, text=True, timeout=300)
    took = time.monotonic() - started
    assert run.returncode == 1, run.stdout + run.stderr
    assert "timed out after 3 s (--timeout)" in run.stdout
    assert "stopped at cell 2 of 3" in run.stdout and "never" not in run.stdout
    assert took < 120  # the 600 s cell was cut short (kernel start-up and shutdown included)


def test_what_the_kernel_process_writes_to_stderr_reaches_ours_until_it_shuts_down(tmp_path):
    """The kernel's own stderr (its JVM's too) is piped through the runner (to drop what
    ipykernel says as it stops, below) and still reaches the runner's while cells run."""
    import subprocess

    path = write_notebook(tmp_path, "import os\nos.write(2, b'from the kernel process\\n')")
    run = subprocess.run([sys.executable, "-m", "flink_notebook", "run", str(path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "from the kernel process" in run.stderr and "all cells ran" in run.stdout


def test_pass_on_copies_lines_until_stopping_then_reads_the_rest_and_drops_it():
    import threading

    read, write = os.pipe()
    to, asked = io.StringIO(), []

    def stopping() -> bool:
        asked.append(1)
        return len(asked) > 2

    with os.fdopen(read, "rb") as pipe:
        reader = threading.Thread(target=pass_on, args=(pipe, to, stopping))
        reader.start()
        with os.fdopen(write, "wb") as writer:  # more than a pipe holds: it must be read
            writer.write(b"one \xff\ntwo\n" + b"stopping\n" * 100_000)
        reader.join(timeout=30)
    assert not reader.is_alive()
    assert to.getvalue() == "one \ufffd\ntwo\n" and len(asked) == 100_002


def running_jobs(rest_url: str) -> list[dict]:
    import httpx
    from conftest import SUITE_HEADER

    jobs = httpx.get(f"{rest_url}/jobs/overview", headers=dict([SUITE_HEADER]),
                     timeout=5).json()["jobs"]
    return [job for job in jobs if job["state"] == "RUNNING"
            and job["tasks"]["running"] == job["tasks"]["total"]]


@pytest.mark.cluster
def test_ctrl_c_interrupts_the_running_cell_and_exits_130(tmp_path):
    """As in a notebook: Ctrl-C interrupts the cell (its job is cancelled), the run stops
    there and the kernel and its JVM go away."""
    import re
    import signal
    import subprocess

    from waiting import until

    path = write_notebook(
        tmp_path,
        "%load_ext flink_notebook",
        "%%flink_sql\nCREATE TEMPORARY TABLE ticks (n INT) WITH "
        "('connector' = 'datagen', 'rows-per-second' = '5')",
        # A first job gives the embedded cluster's address (the cell prints it).
        "%%flink_sql --detached -o warm\nSELECT n FROM ticks",
        "warm.cancel(); print(warm.rest.url)",
        "%%flink_sql\nSELECT n FROM ticks",
        "print('never')",
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "flink_notebook", "run", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines = []
    for line in run.stdout:
        lines.append(line)
        if line.startswith("[ 4]"):
            break
    url = re.search(r"stdout: '(http://127\.0\.0\.1:\d+)'", lines[-1])
    assert url, "".join(lines)
    # Cell 5's query is running (all its tasks), the only job running there now.
    until(lambda: running_jobs(url.group(1)), "cell 5's query running")
    run.send_signal(signal.SIGINT)
    output = "".join(lines) + run.stdout.read()
    assert run.wait(timeout=120) == 130, output
    assert "interrupted (Ctrl-C again to stop the kernel)" in output
    assert "CANCELED" in output
    assert "stopped at cell 5 of 6" in output
    assert "Error" not in output
    assert "never" not in output and "Traceback" not in output


def test_a_job_that_failed_is_said_with_its_cause_although_the_error_points_at_its_view():
    """Issue 32: the cell's error points at the view of the failed job instead of repeating
    why; the summary line says why (from the view), so a headless run still tells."""
    from flink_notebook.core.errors import job_failed

    view = job_view("FAILED")
    view.failure = "ArithmeticException: / by zero\n(in Source: zeros[1] -> Calc[2] (1/1))"
    error = job_failed(f"SELECT 10 / k FROM zeros ({'3f2a' * 8})", "trace")
    assert "/ by zero" not in str(error)
    said = {"output_type": "stream", "name": "stderr", "text": f"UsageError: {error}\n"}
    assert summarize([display(bundle(view)), said]) == (
        f"error: UsageError: Job SELECT 10 / k FROM zeros ({'3f2a' * 8}) failed: "
        "ArithmeticException: / by zero")
    # Without a view that says why, the error is said as it is, unwrapped.
    assert summarize([said]) == (
        f"error: UsageError: Job SELECT 10 / k FROM zeros ({'3f2a' * 8}) failed: see its view "
        "above (add --verbose to the magic line for the Java trace).")
