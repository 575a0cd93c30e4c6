"""Running a notebook headless (``flink-notebook run``), saying what each cell did."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import nbformat
from IPython.core.error import UsageError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def summarize(outputs: list[dict[str, Any]]) -> str:
    """One line for a cell's outputs: its error, its job states, its tables or its text."""
    parts: list[str] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "error":
            lines = str(output.get("evalue", "")).strip().splitlines() or [""]
            return f"error: {output.get('ename')}: {_ANSI.sub('', lines[0])}"
        data = output.get("data", {})
        table = data.get("text/html", "")
        if "<table" in table and "flink-job-status" not in table:
            rows = table.count("<tr") - table.count("<thead")
            parts.append(f"table of {rows} rows")
            continue
        text = data.get("text/plain", "") if kind != "stream" else output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        first = text.strip().splitlines()[0] if text.strip() else ""
        if kind == "stream":
            parts.append(f"printed {first[:70]!r}")
        elif first:
            parts.append(first[:90])
    return "; ".join(parts) if parts else "no output"


def run_notebook(
    path: str | Path, timeout: int = 600, output: str | Path | None = None,
    stream: TextIO = sys.stdout,
) -> int:
    """Execute the notebook in a fresh kernel of this Python; print a line per cell.
    Returns 0 when every cell ran, 1 at the first error."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"No notebook at {path}.")
    notebook = nbformat.read(path, as_version=4)
    manager = KernelManager(kernel_cmd=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                        "{connection_file}"])
    started = {"time": time.monotonic()}

    def before(cell: Any, cell_index: int, **_: Any) -> None:
        started["time"] = time.monotonic()

    def after(cell: Any, cell_index: int, **_: Any) -> None:
        if cell.cell_type != "code":
            return
        first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
        seconds = time.monotonic() - started["time"]
        print(f"[{cell_index + 1:>2}] {first[:50]:<50} {seconds:6.1f} s  "
              f"{summarize(cell.outputs)}", file=stream, flush=True)

    client = NotebookClient(
        notebook, timeout=timeout, km=manager, resources={"metadata": {"path": str(path.parent)}},
        on_cell_start=before, on_cell_executed=after,
    )
    print(f"Running {path} (kernel: {sys.executable})", file=stream, flush=True)
    began = time.monotonic()
    try:
        client.execute()
        code = 0
    except CellExecutionError as exc:
        last = _ANSI.sub("", str(exc).strip().splitlines()[-1])
        print(f"Stopped at an error: {last}", file=stream)
        code = 1
    finally:
        if output:
            nbformat.write(notebook, output)
    cells = sum(1 for c in notebook.cells if c.cell_type == "code")
    status = "all cells ran" if code == 0 else "failed"
    print(f"{path.name}: {cells} code cells, {status}, {time.monotonic() - began:.1f} s",
          file=stream)
    return code
