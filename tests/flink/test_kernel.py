"""In a real kernel: the widget renderer is chosen, and updates from the monitor thread
land in the cell that started the job (ipykernel's thread parent API)."""

from __future__ import annotations

import queue
import re
import time

import pytest
from kernels import kernel_client, run_timed
from waiting import until

pytestmark = pytest.mark.cluster

TABLE = """%%flink_sql
CREATE TEMPORARY TABLE k_ticks (n INT) WITH ('connector'='datagen', 'rows-per-second'='50')"""
WIDGET_CELL = "%%flink_sql --detached -o widget_view\nSELECT n FROM k_ticks"
HTML_CELL = ("%%flink_sql --detached -o html_view -D notebook.renderer=html "
             "-D notebook.refresh-interval=0.2\nSELECT n FROM k_ticks")

WAIT_FOR_ROWS = """import time
deadline = time.monotonic() + 120
while html_view.query_result.counters().received < 100 and time.monotonic() < deadline:
    time.sleep(0.1)
assert html_view.query_result.counters().received >= 100, "no rows"
"""


@pytest.fixture
def kernel():
    with kernel_client() as client:
        yield client


def run(client, code: str, timeout: float = 120) -> tuple[str, list[dict]]:
    """Execute ``code``; return its msg_id and every iopub message seen until it is idle."""
    msg_id, seen = run_timed(client, code, timeout)
    return msg_id, [message for _, message in seen]


def test_detached_view_updates_land_in_their_own_cell(kernel):
    run(kernel, "%load_ext flink_notebook")
    run(kernel, TABLE)
    _, messages = run(kernel, WIDGET_CELL)
    errors = [m for m in messages if m["msg_type"] == "error"]
    assert not errors, errors
    shown = [m for m in messages if m["msg_type"] == "display_data"
             and "application/vnd.jupyter.widget-view+json" in m["content"]["data"]]
    assert shown, "the live view should be a widget in a kernel"
    assert "text/html" in shown[0]["content"]["data"]  # for frontends without widgets
    started, _ = run(kernel, HTML_CELL)
    # Another cell runs while the detached view's rows arrive (100 rows: 2 s at 50/s); the
    # monitor's updates meanwhile belong to the cell that started the job, not this one.
    later, during = run(kernel, WAIT_FOR_ROWS)
    updates = [m for m in during if m["msg_type"] == "update_display_data"]
    assert updates, "the monitor should keep updating the detached view"
    assert {m["parent_header"]["msg_id"] for m in updates} == {started}
    _, end = run(kernel, "widget_view.cancel(); html_view.cancel()")
    assert not [m for m in end if m["msg_type"] == "error"]


def test_a_detached_querys_per_job_cluster_dies_with_a_killed_kernel(kernel):
    """A detached SELECT's rows go to the notebook: its cluster goes with the kernel (a
    detached INSERT's outlives it: tests/executors/test_detached_outlives_kernel.py)."""
    import json
    import os
    import signal

    import psutil

    run(kernel, "%load_ext flink_notebook")
    _, messages = run(kernel, (
        "%%flink_sql --target per-job --detached -o pj\n"
        "CREATE TEMPORARY TABLE pj_src (n INT)\n"
        "  WITH ('connector'='datagen','rows-per-second'='5');\n"
        "SELECT n FROM pj_src"
    ), timeout=180)
    assert not [m for m in messages if m["msg_type"] == "error"]
    _, messages = run(kernel, "import json, os; print(json.dumps([os.getpid(), pj.cluster.pids]))")
    printed = "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")
    kernel_pid, cluster_pids = json.loads(printed)
    assert cluster_pids and all(psutil.pid_exists(pid) for pid in cluster_pids)
    os.kill(kernel_pid, signal.SIGKILL)
    def alive() -> list[int]:
        return [p for p in cluster_pids if psutil.pid_exists(p)
                and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]

    killed = time.monotonic()
    until(lambda: not alive(), "the per-job cluster gone after its kernel was killed", 60)
    # The README's promise: within seconds (the lease polls each second, then stops the
    # cluster with a grace period of 10 s).
    assert time.monotonic() - killed < 30, f"took {time.monotonic() - killed:.0f} s"


ATTACHED_CELL = "%%flink_sql -D notebook.refresh-interval=0.2\nSELECT n FROM k_ticks"


def test_an_attached_views_cancel_button_acts_while_its_cell_runs(kernel):
    """The click (a comm message on the shell channel, as JupyterLab sends it) reaches the
    kernel while the cell follows the job: the job is cancelled and the cell returns."""
    run(kernel, "%load_ext flink_notebook")
    run(kernel, TABLE)
    msg_id = kernel.execute(ATTACHED_CELL)
    buttons: dict[str, str] = {}  # description: comm id
    running = False
    deadline = time.monotonic() + 120
    while not (running and "Cancel" in buttons) and time.monotonic() < deadline:
        try:
            message = kernel.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        content = message["content"]
        if message["msg_type"] == "comm_open":
            state = content.get("data", {}).get("state", {})
            if state.get("_model_name") == "ButtonModel":
                buttons[state.get("description")] = content["comm_id"]
        elif message["msg_type"] == "comm_msg":
            value = content.get("data", {}).get("state", {}).get("value")
            running = running or (isinstance(value, str) and re.search(r"[\d,]+ rows?\b", value)
                                  and ">RUNNING<" in value)
        assert message["msg_type"] != "error", content
    assert running and "Cancel" in buttons, (running, buttons)

    click = kernel.session.msg("comm_msg", {"comm_id": buttons["Cancel"], "data": {
        "method": "custom", "content": {"event": "click"}}})
    kernel.shell_channel.send(click)
    seen, idle = [], False
    deadline = time.monotonic() + 60  # the cell would otherwise run for ever
    while not idle and time.monotonic() < deadline:
        try:
            message = kernel.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        seen.append(message)
        idle = (message["msg_type"] == "status"
                and message["content"]["execution_state"] == "idle"
                and message["parent_header"].get("msg_id") == msg_id)
    assert idle, "the cell should return once its job is cancelled by the button"
    assert not [m for m in seen if m["msg_type"] == "error"]
    final = [m["content"]["data"]["text/plain"] for m in seen
             if m["msg_type"] == "update_display_data"]
    assert final and final[-1].startswith("CANCELED"), final
