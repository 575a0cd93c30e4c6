"""Running a notebook headless (``flink-notebook run``), saying what each cell did."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, Callable, TextIO

import nbformat
from IPython.core.error import UsageError
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager

from flink_notebook.core.errors import SEE_THE_VIEW, first_line
from flink_notebook.core.secrets import mask_text
from flink_notebook.display.progress import EMPTY
from flink_notebook.display.widget_view import WIDGET_VIEW

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# A job view's text/plain (flink_notebook.display): "STATE · name · 1.8 s[ · more]", then its
# web UI link, which holds the job id.
_JOB_STATUS = re.compile(r"^([A-Z]+) · .* · ([\d.]+) s(?: · (.*))?$")
_JOB_ID = re.compile(r"/job/[a-z]+/([0-9a-f]{32})")
_FAILED = re.compile(r"^Failed: (.+)$", re.M)  # the view's text: why the job failed
_DIMENSIONS = re.compile(r"<p>([\d,]+) rows × ([\d,]+) columns</p>")

_LINE = 110
_ERROR_LINE = 400
_USAGE_ERROR = "UsageError: "


class ThisPythonKernel(AsyncKernelManager):
    """The ``python3`` kernel run by the Python running ``flink-notebook``, whatever
    kernel specs are installed: the kernel then imports the same flink_notebook."""

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3",
            language="python",
        )


def kernel_manager_class() -> type[AsyncKernelManager]:
    """The installed ``python3`` kernel when it runs this Python (keeping its settings),
    else :class:`ThisPythonKernel`."""
    try:
        argv = KernelSpecManager().get_kernel_spec("python3").argv
    except NoSuchKernel:
        return ThisPythonKernel
    # jupyter_client itself replaces a bare "python"/"python3" with sys.executable.
    bare = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info)}
    runs_here = bool(argv) and (
        argv[0] in bare or os.path.abspath(argv[0]) == os.path.abspath(sys.executable)
    )
    return AsyncKernelManager if runs_here and "ipykernel_launcher" in argv else ThisPythonKernel


def summarize(outputs: list[dict[str, Any]]) -> str:
    """One line for a cell's outputs: its error, or what each output is (job, DataFrame,
    table, printed text, result)."""
    entries: list[Any] = []  # descriptions, and [name, text] for a stream while it continues
    failure: str | None = None  # what the view of a job that failed says of why
    for output in outputs:
        kind = output.get("output_type")
        if kind == "error":
            return _error(f"{output.get('ename')}: {_text(output.get('evalue', ''))}", failure)
        if kind == "stream":
            name, text = output.get("name", "stdout"), _text(output.get("text", ""))
            if name == "stderr" and text.startswith(_USAGE_ERROR):
                # IPython prints a UsageError to stderr instead of an error output: it is
                # the cell's error, said in full (a cut one hides why the cell stopped).
                return _error(text, failure)
            if entries and isinstance(entries[-1], list) and entries[-1][0] == name:
                entries[-1][1] += text
            else:
                entries.append([name, text])
        elif not emptied(output):
            entries.append(_describe(output.get("data", {})))
            failure = _failure(output.get("data", {})) or failure
    parts = [e if isinstance(e, str) else _stream(*e) for e in entries]
    line = "; ".join(parts) if parts else "no output"
    return line if len(line) <= _LINE else line[: _LINE - 3] + "..."


def emptied(output: dict[str, Any]) -> bool:
    """An output updated to nothing: a cell's progress line once its job view came."""
    return output.get("output_type") == "display_data" and output.get("data") == EMPTY


def without_emptied(notebook: Any) -> Any:
    """``notebook`` with no emptied outputs left (once no more updates can come)."""
    for cell in notebook.cells:
        if cell.get("outputs"):
            cell.outputs = [output for output in cell.outputs if not emptied(output)]
    return notebook


def _error(text: str, failure: str | None) -> str:
    """The cell's error in a line, whole (its message's first line, unwrapped); an error
    that points at the view of the job that failed says why, as the view does."""
    line = f"error: {mask_text(first_line(_ANSI.sub('', text)))}"
    if failure and SEE_THE_VIEW in line:
        line = line[: line.index(SEE_THE_VIEW)] + failure
    return line if len(line) <= _ERROR_LINE else line[: _ERROR_LINE - 3] + "..."


def _failure(data: dict[str, Any]) -> str | None:
    """The first line of why the job failed, from a job view's text."""
    plain = _text(data.get("text/plain", ""))
    if not _JOB_STATUS.match(plain.split("\n", 1)[0]):
        return None
    found = _FAILED.search(plain)
    return found.group(1).strip() if found else None


def _stream(name: str, text: str) -> str:
    lines = _ANSI.sub("", text).strip().splitlines() or [""]
    more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
    return f"{name}: {lines[0][:60]!r}{more}"


def _describe(data: dict[str, Any]) -> str:
    plain = _text(data.get("text/plain", ""))
    table = _text(data.get("text/html", ""))
    status = _JOB_STATUS.match(plain.split("\n", 1)[0])
    job_id = _JOB_ID.search(plain)
    if status and job_id:
        state, seconds, more = status.groups()
        return f"job {job_id.group(1)[:8]} {state} in {seconds} s" + (f", {more}" if more else "")
    if 'class="dataframe"' in table:
        return "DataFrame {} rows x {} columns".format(*_dataframe_shape(table))
    if "<table" in table:
        body = table.split("<tbody", 1)[-1]
        return f"table of {body.count('<tr')} rows"
    if WIDGET_VIEW in data:
        return "widget"
    if plain:
        return repr(_first_line(plain)[:60])
    return ", ".join(sorted(data)) or "empty display"


def _dataframe_shape(table: str) -> tuple[str, str]:
    """Rows and columns of pandas' HTML: its own footer when it shows one, else counted."""
    footer = _DIMENSIONS.search(table)
    if footer:
        return footer.group(1), footer.group(2)
    head, _, body = table.partition("<tbody>")
    rows = body.count("<tr")
    if rows:
        return str(rows), str(body.split("</tr>", 1)[0].count("<td"))
    # No rows: count the header cells, less the index's one.
    return "0", str(max(head.rsplit("<tr", 1)[-1].count("<th") - 1, 0))


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _first_line(text: Any) -> str:
    """The first line, secrets masked (a cell's source, an error, an output)."""
    lines = _ANSI.sub("", _text(text)).strip().splitlines()
    return mask_text(lines[0]) if lines else ""


def run_notebook(
    path: str | Path,
    timeout: int = 600,
    stream: TextIO | None = None,
    output: str | Path | None = None,
    solutions: str | Path | None = None,
    wrong: str | None = None,
) -> int:
    """Execute the notebook top to bottom in a fresh kernel of this Python, in the notebook's
    folder, printing one line per code cell as it finishes (number, first source line,
    seconds, what it output). Stops at the first error. ``timeout`` is per cell;
    ``output`` saves the executed notebook; ``solutions`` (a lesson's solutions file) are
    put into its exercise cells first, exercise ``wrong``'s wrong answer into its cell
    (:mod:`flink_notebook.teaching.solutions`). Returns 0 when every cell ran, 1 on an
    error, 130 when interrupted (Ctrl-C)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    out = stream or sys.stdout
    path = Path(path).resolve()
    if not path.is_file():
        raise UsageError(f"No notebook at {path}: give the path of an .ipynb file.")
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for a file that is not a notebook
        raise UsageError(f"{path} is not a notebook: {_first_line(exc)}") from None
    if solutions is not None:
        from flink_notebook.teaching.solutions import inject

        notebook = inject(notebook, solutions, wrong)
    code_cells = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    numbers = {index: number for number, index in enumerate(code_cells, start=1)}
    current: dict[str, Any] = {"number": 0, "started": 0.0}

    def started(cell: Any, cell_index: int, **_: Any) -> None:
        interrupts.install()
        current.update(number=numbers[cell_index], started=time.monotonic())
        # The line is finished when the cell is: a long streaming cell shows it is running.
        current["line"] = f"[{numbers[cell_index]:>2}] {_first_line(cell.source)[:40]:<40} "
        print(current["line"], end="", file=out, flush=True)

    def executed(cell: Any, cell_index: int, **_: Any) -> None:
        print(f"{_elapsed(current)}  {summarize(cell.outputs)}", file=out, flush=True)
        if interrupts.count:
            raise _Interrupted  # the cell ended its job; the run stops here

    interrupts: _InterruptCell
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=kernel_manager_class(),
        # The kernel's own start-up chatter (transport warnings) is not the notebook's.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(path.parent)}},
        on_notebook_start=lambda **_: kernel_stderr.start(client.km),
        on_cell_execute=started,
        on_cell_executed=executed,
    )
    interrupts = _InterruptCell(client, out, current)
    kernel_stderr = _KernelStderr(sys.stderr)
    print(f"Running {path.name} in {path.parent} (kernel: {sys.executable})", file=out, flush=True)
    began, code = time.monotonic(), 1
    try:
        # stderr to the kernel's process (see _KernelStderr); headless: a view waits for
        # its job's end from REST before its cell returns (what the saved notebook keeps).
        client.execute(stderr=subprocess.PIPE,
                       env={**os.environ, "FLINK_NOTEBOOK_HEADLESS": "1"})
        code = 0
    except CellExecutionError:
        pass  # the cell's line already says which error
    except CellTimeoutError:
        print(f"{_elapsed(current)}  timed out after {timeout} s (--timeout)", file=out)
    except DeadKernelError:
        print(f"{_elapsed(current)}  the kernel died", file=out)
    except _Interrupted:
        pass
    finally:
        kernel_stderr.join()
        if output:  # the kernel is gone: no update can reach an output any more
            nbformat.write(without_emptied(notebook), output)
    if interrupts.count and code != 0:
        code = 130
    total = len(numbers)
    how = "all cells ran" if code == 0 else f"stopped at cell {current['number']} of {total}"
    print(f"{path.name}: {total} code cells, {how}, {time.monotonic() - began:.1f} s", file=out)
    return code


class _Interrupted(Exception):
    """Ctrl-C interrupted a cell: stop after it."""


class _InterruptCell:
    """Ctrl-C interrupts the running cell, as in a notebook (its job is cancelled, the run
    stops there and the kernel is shut down cleanly); a second Ctrl-C stops the kernel.

    nbclient's own Ctrl-C handler kills the kernel's process group at once, its JVM with
    it, in the middle of the cell; this one replaces it once the kernel runs."""

    def __init__(self, client: Any, out: TextIO, current: dict[str, Any]) -> None:
        self.client, self.out, self.current, self.count = client, out, current, 0
        self._installed = False

    def install(self) -> None:
        if self._installed or threading.current_thread() is not threading.main_thread():
            return
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, self._interrupt)
        except (RuntimeError, NotImplementedError):  # no loop, or no signals (Windows)
            return
        self._installed = True

    def _interrupt(self) -> None:
        self.count += 1
        pid = getattr(getattr(self.client.km, "provisioner", None), "pid", None)
        if self.count > 1 or pid is None:
            print("\n  stopping the kernel", file=self.out, flush=True)
            asyncio.ensure_future(self.client._async_cleanup_kernel())
            return
        print("interrupted (Ctrl-C again to stop the kernel)", file=self.out)
        print(self.current.get("line", ""), end="", file=self.out, flush=True)
        os.kill(pid, signal.SIGINT)  # the kernel alone: its JVM must not see it


class _KernelStderr:
    """The kernel process's stderr (its JVM's too), passed on to ours line by line until
    the kernel is asked to shut down. What ipykernel says while it stops is not the
    notebook's: now and then its loop closes under a control message still pending, and
    asyncio's "Task was destroyed but it is pending!" then fails to log ("Event loop is
    closed"), a dozen lines of trace after a run that went well."""

    def __init__(self, to: TextIO) -> None:
        self.to = to
        self._thread: threading.Thread | None = None

    def start(self, km: Any) -> None:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        pipe = getattr(process, "stderr", None)
        if pipe is None:  # another provisioner: the kernel writes where it writes
            return
        self._thread = threading.Thread(
            target=pass_on, args=(pipe, self.to, lambda: getattr(km, "shutting_down", False)),
            name="kernel-stderr", daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Wait for the last lines (the pipe closes when the kernel and its JVM are gone)."""
        if self._thread is not None:
            self._thread.join(timeout=5)


def pass_on(pipe: IO[bytes], to: TextIO, stopping: Callable[[], bool]) -> None:
    """Copy ``pipe``'s lines to ``to`` until ``stopping()``; read the rest and drop it (a
    pipe nobody reads would block its writer)."""
    for line in iter(pipe.readline, b""):
        if not stopping():
            to.write(line.decode(errors="replace"))
            to.flush()
    pipe.close()


def _elapsed(current: dict[str, Any]) -> str:
    return f"{time.monotonic() - current['started']:6.1f} s"
