"""A real kernel of this Python for the tests that talk to one over Jupyter's channels."""

from __future__ import annotations

import os
import queue
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jupyter_client.manager import KernelManager


def started_kernel(env: dict[str, str] | None = None) -> tuple[KernelManager, Any]:
    """A kernel of this Python (``env``: its environment) and a client on its channels,
    ready; the caller shuts it down."""
    manager = KernelManager(kernel_cmd=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                        "{connection_file}"])
    manager.start_kernel(**({} if env is None else {"env": env}))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client


@contextmanager
def kernel_client() -> Iterator[Any]:
    """A real kernel of this Python, and a client on its channels; shut down after."""
    manager, client = started_kernel()
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)


def run_timed(client: Any, code: str, timeout: float = 120) -> tuple[str, list[tuple[float, dict]]]:
    """Execute ``code``; its msg_id and the iopub messages until idle, each with when it
    arrived here (time.monotonic)."""
    msg_id = client.execute(code)
    seen: list[tuple[float, dict]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = client.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        seen.append((time.monotonic(), message))
        if (message["msg_type"] == "status" and message["content"]["execution_state"] == "idle"
                and message["parent_header"].get("msg_id") == msg_id):
            return msg_id, seen
    raise AssertionError(f"cell did not finish: {code!r}")


def kill_9(manager: KernelManager) -> None:
    """SIGKILL the kernel: no atexit, no goodbye (then let its manager clean up)."""
    os.kill(manager.provisioner.process.pid, signal.SIGKILL)
    manager.shutdown_kernel(now=True)


def run(client, code: str, timeout: float = 180) -> str:
    """Execute ``code``; its printed text. Fails on an error."""
    printed, errors = [], []

    def hook(message):
        content = message["content"]
        if message["msg_type"] == "stream":
            printed.append(content["text"])
        elif message["msg_type"] == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")

    reply = client.execute_interactive(code, timeout=timeout, output_hook=hook)
    assert reply["content"]["status"] == "ok", (errors, printed)
    return "".join(printed)
