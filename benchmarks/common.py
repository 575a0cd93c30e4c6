"""What every scenario shares: figures, a fresh IPython shell, plain PyFlink, timing."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

#: A scenario process prints each module's figures on one line starting with this.
MARK = "BENCHMARK-FIGURES "
#: A measurement made in a fresh process prints its answer on one line starting with this.
ANSWER = "BENCHMARK-ANSWER "


@dataclass
class Figure:
    scenario: str
    figure: str
    ours: float | None
    baseline: float | None = None
    unit: str = ""
    goal: str = ""
    met: bool | None = None
    note: str = ""

    def __post_init__(self) -> None:
        # numpy's float64 and bool_ (a DataFrame's sizes, comparisons of them) are not
        # JSON's: keep every figure plain so a scenario's line can always be written.
        self.ours = None if self.ours is None else float(self.ours)
        self.baseline = None if self.baseline is None else float(self.baseline)
        self.met = None if self.met is None else bool(self.met)

    @property
    def ratio(self) -> float | None:
        if self.ours and self.baseline:
            return self.baseline / self.ours if self.unit == "s" else self.ours / self.baseline
        return None


def emit(module: str, figures: list[Figure]) -> None:
    print(MARK + json.dumps([module, [asdict(f) for f in figures]]), flush=True)


def run_each(modules: list[str], quick: bool) -> None:
    """Run the modules' scenarios one after the other in this process, and ``emit`` each
    one's figures; one that raises gets a figure saying so, and the next one runs."""
    import importlib
    import traceback

    for module in modules:
        began = time.monotonic()
        log(f"{module}:")
        try:
            figures = importlib.import_module(f"benchmarks.{module}").run(quick)
        except Exception as error:
            traceback.print_exc()
            figures = [Figure(module, f"{module} failed: {type(error).__name__}: {error}",
                              None)]
        log(f"{module} done in {time.monotonic() - began:.0f} s")
        emit(module, figures)


def answer(value: Any) -> None:
    """Hand a fresh process's measurement back to ``fresh_process``."""
    print(ANSWER + json.dumps(value), flush=True)


def fresh_process(module: str, *args: Any, timeout: float = 900,
                  options: str = "") -> Any:
    """Run ``python -m benchmarks.<module> ARGS`` (a fresh Python, so a fresh JVM: cold
    starts are honest and nothing of ours shares the JVM) and return what it ``answer``-ed.
    ``options`` are notebook options for it (``FLINK_NOTEBOOK_OPTS``)."""
    from flink_notebook.core.config import environ_with_options

    done = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          env=environ_with_options(options))
    for line in done.stdout.splitlines():
        if line.startswith(ANSWER):
            return json.loads(line[len(ANSWER):])
    tail = "\n".join(done.stderr.strip().splitlines()[-15:])
    raise RuntimeError(f"benchmarks.{module} {' '.join(map(str, args))} gave no answer "
                       f"(exit {done.returncode}):\n{tail}")


def shell() -> Any:
    """A fresh in-process IPython shell with the extension loaded (the timing starts at
    ``%load_ext``), its output kept quiet."""
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "flink_notebook")
    return ip


def quiet(call: Callable[[], Any]) -> Any:
    """Run ``call`` without its displays and prints reaching the terminal."""
    from IPython.utils.capture import capture_output

    with capture_output():
        return call()


def plain_table_env() -> Any:
    """What a user writes without this project."""
    from pyflink.table import EnvironmentSettings, TableEnvironment

    from flink_notebook.core.java import ensure_java

    ensure_java()
    return TableEnvironment.create(EnvironmentSettings.in_streaming_mode())


def median_seconds(call: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


class Sampling:
    """Calls ``sample()`` every ``interval`` seconds on a thread of its own while the block
    runs, and once more as it ends."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        raise NotImplementedError


def rss_mb(pid: int | None = None) -> float:
    import psutil

    return psutil.Process(pid or os.getpid()).memory_info().rss / 2**20


def jvm_pids() -> list[int]:
    """The JVMs this process started (PyFlink's gateway, with the embedded cluster)."""
    import psutil

    return [p.pid for p in psutil.Process().children(recursive=True) if "java" in p.name()]


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)
