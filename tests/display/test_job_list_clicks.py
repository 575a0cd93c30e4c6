"""%flink_jobs' buttons act while another cell keeps the kernel busy: their clicks go to a
kernel subshell (display/clicks.py), as a followed view's do. A real kernel and a real job;
the click is the comm message a browser's widget sends."""

from __future__ import annotations

import pytest
from kernels import kernel_client, run_timed

pytestmark = pytest.mark.cluster

JOB = ("%%flink_sql --detached -o j --name list-click\n"
       "CREATE TEMPORARY TABLE lc_src (n INT) WITH ('connector'='datagen', "
       "'rows-per-second'='5');\n"
       "CREATE TEMPORARY TABLE lc_sink (n INT) WITH ('connector'='blackhole');\n"
       "INSERT INTO lc_sink SELECT n FROM lc_src")
# Busy until the job is cancelled (or 90 s): a click handled only after the cell would
# come too late, and the cell would print RUNNING.
BUSY = ("import time\n"
        "deadline = time.monotonic() + 90\n"
        "while j.status() != 'CANCELED' and time.monotonic() < deadline:\n"
        "    time.sleep(0.2)\n"
        "print(j.status())")


def _ok(seen: list) -> str:
    """The printed text of a cell's iopub messages; fails on an error."""
    errors = [m["content"] for _, m in seen if m["msg_type"] == "error"]
    assert not errors, errors
    return "".join(m["content"]["text"] for _, m in seen if m["msg_type"] == "stream")


def test_a_lists_cancel_button_acts_while_another_cell_runs():
    with kernel_client() as client:
        for code in ("%load_ext flink_notebook", JOB,
                     "%flink_config notebook.renderer=widget"):
            _ok(run_timed(client, code)[1])
        _, seen = run_timed(client, "%flink_jobs")
        _ok(seen)
        [cancel] = [m["content"]["comm_id"] for _, m in seen if m["msg_type"] == "comm_open"
                    and m["content"]["data"]["state"].get("description") == "Cancel"]
        busy = client.execute(BUSY)
        client.shell_channel.send(client.session.msg("comm_msg", {
            "comm_id": cancel, "data": {"method": "custom", "content": {"event": "click"}}}))
        printed = []
        while True:
            message = client.get_iopub_msg(timeout=120)
            if message["parent_header"].get("msg_id") != busy:
                continue
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])
            if message["msg_type"] == "status" and \
                    message["content"]["execution_state"] == "idle":
                break
        assert "".join(printed).strip() == "CANCELED"
