"""``flink-notebook lab``: JupyterLab on the notebooks, with flink-notebook in every new kernel.

The server gets its own Python kernel spec (found first through ``JUPYTER_PATH``) whose
kernels start with ``--ext=flink_notebook``: a new notebook has ``%%flink_sql`` at once
and Flink warms up while the first cell is typed. The user's IPython profile is left alone.

The login token travels in a configuration file only the user can read, never on the
command line (``ps`` shows that to every user). SIGTERM and SIGHUP stop the server and its
kernels as Ctrl-C does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

import psutil
from IPython.core.error import UsageError

from flink_notebook.core.ports import LOOPBACK, free_port

INSTALL_HINT = "JupyterLab is not installed: pip install 'flink-notebook[lab]'"
#: What stops ``flink-notebook lab`` as Ctrl-C does: ``kill``, a service manager, a closed
#: terminal.
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                      if hasattr(signal, name))
#: How long the server's kernels (and their JVMs) get to end after the server stopped.
_KERNELS_GRACE = 10.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``lab`` sub-command (it sets ``func(args) -> int``)."""
    lab = subparsers.add_parser(
        "lab", help="start JupyterLab on 127.0.0.1 with flink-notebook loaded in every kernel"
    )
    lab.add_argument("directory", nargs="?",
                     help="folder to open (default: ./notebooks if it exists, else .)")
    lab.add_argument("--port", type=int, help="port to listen on (default: a free one)")
    lab.add_argument("--no-browser", action="store_true", help="do not open a browser")
    lab.set_defaults(func=run)


def write_token_config(folder: Path, token: str) -> Path:
    """Write a Jupyter configuration file readable only by this user that sets the login
    token; ``--config`` loads it after the user's own configuration, so it wins as a
    command-line option would."""
    path = folder / "token.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as config:
        json.dump({"IdentityProvider": {"token": token}}, config)
    return path


def write_kernel_spec(jupyter_dir: Path) -> Path:
    """Write ``kernels/python3/kernel.json`` under ``jupyter_dir``: this Python's kernel,
    starting with flink-notebook loaded. Returns the kernel spec's folder."""
    folder = jupyter_dir / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--ext=flink_notebook"],
        "display_name": "Python 3 (Flink)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return folder


class LabServer:
    """A JupyterLab server process on 127.0.0.1, using a generated kernel spec."""

    def __init__(self, directory: str | Path | None = None, port: int | None = None,
                 open_browser: bool = False) -> None:
        if find_spec("jupyterlab") is None:
            raise UsageError(INSTALL_HINT)
        self.directory = Path(directory) if directory else _default_directory()
        if not self.directory.is_dir():
            raise UsageError(f"No folder {self.directory}: give the folder to open.")
        self.port = port or free_port()
        self._token = secrets.token_hex(24)
        self._jupyter_dir = tempfile.TemporaryDirectory(prefix="flink-notebook-lab-")
        write_kernel_spec(Path(self._jupyter_dir.name))
        token_config = write_token_config(Path(self._jupyter_dir.name), self._token)
        env = dict(os.environ)
        env["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (self._jupyter_dir.name, os.environ.get("JUPYTER_PATH")) if p
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", f"--ip={LOOPBACK}", f"--port={self.port}",
             "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.directory.resolve()}",
             f"--config={token_config}",
             "--ServerApp.open_browser=" + str(open_browser)]
            # Jupyter refuses root; containers (Docker, CI) often run as root.
            + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
            # Its own session: Ctrl-C reaches only this command, which then stops the
            # server (Jupyter would otherwise ask on stdin whether to shut down).
            env=env, stdin=subprocess.DEVNULL, start_new_session=True,
        )

    @property
    def url(self) -> str:
        """The address to open, with the login token."""
        return f"http://{LOOPBACK}:{self.port}/lab?token={self._token}"

    def wait_ready(self, timeout: float = 60) -> None:
        """Return once the server answers; UsageError if it exits or stays silent."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise UsageError(f"JupyterLab exited with code {self.process.returncode} "
                                 "(its messages are above).")
            try:
                if httpx.get(f"http://{LOOPBACK}:{self.port}/api", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise UsageError(f"JupyterLab did not answer on port {self.port} within {timeout:.0f} s.")

    def stop(self) -> None:
        """Stop the server, its kernels and every process they started (their JVMs), and
        remove the generated kernel spec."""
        if self.process.poll() is None:
            try:
                tree = psutil.Process(self.process.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                tree = []
            self.process.terminate()  # Jupyter shuts its kernels down on SIGTERM
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            # A kernel that did not end with the server (a killed server, a kernel that
            # ignored its shutdown) would keep its JVM and slots for good.
            _, alive = psutil.wait_procs(tree, timeout=_KERNELS_GRACE)
            for process in alive:
                with contextlib.suppress(psutil.NoSuchProcess):
                    process.kill()
            psutil.wait_procs(alive, timeout=_KERNELS_GRACE)
        self._jupyter_dir.cleanup()


def run(args: argparse.Namespace) -> int:
    """Start JupyterLab, print its URL, and serve until interrupted (Ctrl-C, SIGTERM or
    SIGHUP), then stop it with its kernels."""
    # The server runs in its own session: only this command can stop it, so every stop
    # signal takes Ctrl-C's way out. SIGINT too: a command started in the background by a
    # shell inherits it ignored, and Python then leaves it so.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, *_STOP_SIGNALS)}
    for stop_signal in handlers:
        signal.signal(stop_signal, signal.default_int_handler)
    server = LabServer(args.directory, args.port, open_browser=not args.no_browser)
    try:
        server.wait_ready()
        print(f"JupyterLab on {server.directory}: {server.url}", flush=True)
        print("New notebooks have flink-notebook loaded. Ctrl-C (or SIGTERM, SIGHUP) stops "
              "the server and its kernels.", flush=True)
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        # A second signal must not cut the stop short: it is bounded on its own.
        for stop_signal in handlers:
            signal.signal(stop_signal, signal.SIG_IGN)
        server.stop()
        for stop_signal, handler in handlers.items():
            signal.signal(stop_signal, handler)
    return 0


def _default_directory() -> Path:
    notebooks = Path("notebooks")
    return notebooks if notebooks.is_dir() else Path(".")
