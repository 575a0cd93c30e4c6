"""``flink-notebook lab``: JupyterLab on 127.0.0.1 whose new kernels load flink-notebook.

The kernels started here get ``FlinkMagics.prewarm = False``: they prove the extension is
loaded without starting Flink.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import psutil
import pytest
from IPython.core.error import UsageError
from waiting import until

from flink_notebook.cli import lab

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


def test_kernel_spec_starts_this_python_with_the_extension(tmp_path):
    folder = lab.write_kernel_spec(tmp_path)
    assert folder == tmp_path / "kernels" / "python3"
    spec = json.loads((folder / "kernel.json").read_text())
    assert spec["argv"][:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert "{connection_file}" in spec["argv"]
    assert "--ext=flink_notebook" in spec["argv"]
    assert spec["language"] == "python"


def test_a_kernel_from_the_spec_has_the_magics(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    lab.write_kernel_spec(tmp_path)
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    manager.start_kernel(extra_arguments=["--FlinkMagics.prewarm=False"])
    client = manager.client()
    printed: list[str] = []
    try:
        client.start_channels()
        client.wait_for_ready(timeout=60)
        client.execute_interactive(
            "ip = get_ipython()\n"
            "print('flink_notebook' in ip.extension_manager.loaded,"
            " 'flink_sql' in ip.magics_manager.magics['cell'])",
            timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "".join(printed).split() == ["True", "True"]


def test_without_jupyterlab_it_says_what_to_install(monkeypatch):
    monkeypatch.setattr(lab, "find_spec", lambda name: None)
    with pytest.raises(UsageError, match=r"pip install 'flink-notebook\[lab\]'"):
        lab.LabServer(NOTEBOOKS)


def test_a_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="No folder"):
        lab.LabServer(tmp_path / "nowhere")


class LabCommand:
    """``flink-notebook lab`` on the notebooks, as a user starts it; its first line read."""

    def __init__(self, tmp_path: Path, prewarm: bool = False) -> None:
        # Unless asked, its kernels start no Flink (they load the extension, not warm it up).
        profile = tmp_path / "ipython" / "profile_default"
        profile.mkdir(parents=True)
        (profile / "ipython_kernel_config.py").write_text(f"c.FlinkMagics.prewarm = {prewarm}\n")
        self.log = tmp_path / "lab.log"
        with self.log.open("w") as errors:
            self.command = subprocess.Popen(
                [sys.executable, "-m", "flink_notebook", "lab", str(NOTEBOOKS), "--no-browser"],
                stdout=subprocess.PIPE, stderr=errors, text=True,
                env={**os.environ, "IPYTHONDIR": str(tmp_path / "ipython")},
            )
        lines: queue.Queue[str] = queue.Queue()

        def read() -> None:
            for line in self.command.stdout:
                lines.put(line)
            lines.put("")  # the command ended

        threading.Thread(target=read, daemon=True).start()
        self.seen: set[psutil.Process] = set()
        try:
            first = lines.get(timeout=90)
            self.url = first.rsplit(" ", 1)[-1].strip()
            assert self.url.startswith("http://127.0.0.1:") and "/lab?token=" in self.url, (
                first + self.log.read_text()[-2000:]
            )
        except BaseException:
            self.end()
            raise
        self.base, self.token = self.url.split("/lab?token=")

    def start_kernel(self) -> psutil.Process:
        """A kernel of the server, once its process runs."""
        started = httpx.post(f"{self.base}/api/kernels", json={"name": "python3"},
                             headers={"Authorization": f"token {self.token}"}, timeout=30)
        assert started.status_code == 201, started.text
        kernel_id = started.json()["id"]
        return until(lambda: next((p for p in self.tree() if kernel_id in " ".join(_cmdline(p))),
                                  None), "the kernel's process")

    def tree(self) -> list[psutil.Process]:
        """This command's processes: the server, its kernels and what they started."""
        try:
            processes = psutil.Process(self.command.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            processes = []
        self.seen.update(processes)
        return processes

    def end(self) -> None:
        """Make sure nothing of it is left (after a test that failed): what ``tree`` found
        even once, since a process outliving this command is no longer its child."""
        processes = [*self.seen, *self.tree()]
        self.command.kill()
        self.command.wait()
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(processes, timeout=30)


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return []


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    def running(process: psutil.Process) -> bool:
        try:
            return process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    return [p for p in processes if running(p)]


def test_lab_serves_the_notebooks_and_stops_on_ctrl_c(tmp_path):
    lab_command = LabCommand(tmp_path)
    command = lab_command.command
    base, token = lab_command.base, lab_command.token
    server: list[psutil.Process] = []
    try:
        assert httpx.get(lab_command.url, timeout=10).status_code == 200
        specs = httpx.get(f"{base}/api/kernelspecs", params={"token": token}, timeout=10).json()
        assert "--ext=flink_notebook" in specs["kernelspecs"]["python3"]["spec"]["argv"]
        contents = httpx.get(f"{base}/api/contents", params={"token": token}, timeout=10).json()
        assert "02-streaming-sql.ipynb" in {item["name"] for item in contents["content"]}
        server = psutil.Process(command.pid).children()
        assert server, "JupyterLab runs as a child process"
    finally:
        command.send_signal(signal.SIGINT)
        # The stop is bounded at 40 s (20 for the server, 2 x 10 for its kernels).
        code = command.wait(timeout=60)
    assert code == 0
    gone, alive = psutil.wait_procs(server, timeout=10)
    assert not alive


def test_the_login_token_is_on_no_command_line(tmp_path):
    lab_command = LabCommand(tmp_path)
    try:
        lab_command.start_kernel()
        processes = [psutil.Process(lab_command.command.pid), *lab_command.tree()]
        assert len(processes) >= 3  # this command, the server, its kernel
        for process in processes:
            assert lab_command.token not in " ".join(_cmdline(process)), _cmdline(process)
        status = f"{lab_command.base}/api/status"
        assert httpx.get(status, timeout=10).status_code == 403
        login = httpx.get(status, headers={"Authorization": f"token {lab_command.token}"},
                          timeout=10)
        assert login.status_code == 200
    finally:
        lab_command.command.send_signal(signal.SIGINT)
        lab_command.command.wait(timeout=60)
        lab_command.end()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_the_server_and_its_kernels(tmp_path, stop_signal):
    lab_command = LabCommand(tmp_path)
    try:
        kernel = lab_command.start_kernel()
        processes = lab_command.tree()
        assert kernel in processes

        lab_command.command.send_signal(stop_signal)

        until(lambda: not _alive(processes), "the server and its kernel ended", 60)
        assert lab_command.command.wait(timeout=60) == 0
    finally:
        lab_command.end()


@pytest.mark.cluster
def test_sigterm_stops_a_kernels_flink_too(tmp_path):
    lab_command = LabCommand(tmp_path, prewarm=True)
    try:
        lab_command.start_kernel()
        until(lambda: any(Path(_cmdline(p)[0]).name == "java" for p in lab_command.tree()
                          if _cmdline(p)), "the kernel's JVM")
        processes = lab_command.tree()

        lab_command.command.send_signal(signal.SIGTERM)

        until(lambda: not _alive(processes), "the server, its kernel and its JVM ended", 60)
        assert lab_command.command.wait(timeout=60) == 0
    finally:
        lab_command.end()
