"""``flink-notebook lab``: JupyterLab on 127.0.0.1 whose new kernels load flink-notebook.

The kernels started here get ``--FlinkMagics.prewarm=False``: they prove the extension is
loaded without starting Flink.
"""

from __future__ import annotations

import json
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

from flink_notebook.cli import lab

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"


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


def test_lab_serves_the_notebooks_and_stops_on_ctrl_c(tmp_path):
    log = tmp_path / "lab.log"
    with log.open("w") as errors:
        command = subprocess.Popen(
            [sys.executable, "-m", "flink_notebook", "lab", str(NOTEBOOKS), "--no-browser"],
            stdout=subprocess.PIPE, stderr=errors, text=True,
        )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in command.stdout:
            lines.put(line)
        lines.put("")  # the command ended

    threading.Thread(target=read, daemon=True).start()
    server: list[psutil.Process] = []
    try:
        first = lines.get(timeout=90)
        url = first.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:") and "/lab?token=" in url, (
            first + log.read_text()[-2000:]
        )
        assert httpx.get(url, timeout=10).status_code == 200
        base, token = url.split("/lab?token=")
        specs = httpx.get(f"{base}/api/kernelspecs", params={"token": token}, timeout=10).json()
        assert "--ext=flink_notebook" in specs["kernelspecs"]["python3"]["spec"]["argv"]
        contents = httpx.get(f"{base}/api/contents", params={"token": token}, timeout=10).json()
        assert "02-streaming-sql.ipynb" in {item["name"] for item in contents["content"]}
        server = psutil.Process(command.pid).children()
        assert server, "JupyterLab runs as a child process"
    finally:
        command.send_signal(signal.SIGINT)
        code = command.wait(timeout=30)
    assert code == 0
    gone, alive = psutil.wait_procs(server, timeout=10)
    assert not alive
