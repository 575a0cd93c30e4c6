"""What the browser tests share: JupyterLab on 127.0.0.1 with nothing of the user's Jupyter
setup and the JupyterLab extension built beside the code under test, Debian's Chromium
driven by Playwright (its own browser download is never used), and a notebook opened once
its kernel is idle."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import nbformat
import psutil
from waiting import until

import flink_notebook
from flink_notebook.cli.lab import LabServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # Playwright adds --headless itself
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]
WAIT_MS = 60_000  # a bound on waiting, not a speed check: the first cell starts Flink
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def write_notebook(path: Path, cells: list[str]) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = KERNELSPEC
    nbformat.write(notebook, path)


@contextmanager
def isolated_lab(folder: Path, tmp_path: Path, monkeypatch: Any) -> Iterator[LabServer]:
    """JupyterLab (with the package's kernel spec: this Python) on ``folder``; nothing from
    the user's Jupyter setup (config, settings, open tabs), and no news prompt over the
    screenshots. Afterwards the kernels, their JVMs and the server are gone."""
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR",
                 "JUPYTERLAB_SETTINGS_DIR"):
        path = tmp_path / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    news = tmp_path / "jupyterlab_settings_dir" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    # The extension built beside the package under test (a worktree's own build, found first
    # on JUPYTER_PATH), not the copy scripts/build-labextension.sh put in the environment.
    built = Path(flink_notebook.__file__).parent / "labextension"
    if (built / "package.json").is_file():
        extensions = tmp_path / "jupyter_path" / "labextensions"
        extensions.mkdir(parents=True)
        (extensions / "flink-notebook-sql").symlink_to(built, target_is_directory=True)
        monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(
            p for p in (str(tmp_path / "jupyter_path"), os.environ.get("JUPYTER_PATH")) if p))
    server = LabServer(folder)
    try:
        server.wait_ready(timeout=90)
        yield server
    finally:
        # The kernel and its Flink JVM (a child of the kernel) must end with the server.
        processes = (psutil.Process(server.process.pid).children(recursive=True)
                     if server.process.poll() is None else [])
        server.stop()  # Jupyter shuts its kernels down on SIGTERM
        _, alive = psutil.wait_procs(processes, timeout=30)
        for process in alive:
            process.kill()
        assert not alive, f"left running after JupyterLab stopped: {alive}"


@contextmanager
def browser_page(lab: LabServer, tmp_path: Path, notebook: str,
                 viewport: dict[str, int]) -> Iterator[Any]:
    """A Chromium page on ``notebook``, once its kernel has started and is idle (on a busy
    machine the page is idle before the kernel is; "Run All" then asks which kernel to
    start)."""
    from playwright.sync_api import sync_playwright

    base, token = lab.url.split("/lab?token=")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport=viewport,
        )
        try:
            page = browser.new_page()
            page.goto(f"{base}/lab/tree/{notebook}?token={token}")
            until(lambda: kernel_idle(base, token, notebook), "the notebook's kernel",
                  WAIT_MS / 1000)
            yield page
        finally:
            browser.close()


def kernel_idle(base: str, token: str, notebook: str) -> bool:
    """True once the server has a session for ``notebook`` whose kernel is idle."""
    sessions = httpx.get(f"{base}/api/sessions", params={"token": token}, timeout=10).json()
    return any(s.get("path", "").endswith(notebook) and s.get("kernel")
               and s["kernel"].get("execution_state") == "idle" for s in sessions)
