"""The kernel JVM's stderr is drained: a local job that prints megabytes there finishes."""

from __future__ import annotations

import inspect
import os

import pytest
from waiting import until

ROWS = 20_000
PAD = 60  # about 80 bytes a printed row: 1.6 MB in all, far beyond a pipe's 64 KiB


@pytest.mark.cluster
def test_a_local_job_printing_megabytes_to_stderr_finishes(shell, flink, capfd):
    flink(
        "t_env.execute_sql(\"CREATE TEMPORARY TABLE IF NOT EXISTS loud_rows (n INT) WITH ("
        f"'connector'='datagen','number-of-rows'='{ROWS}','fields.n.kind'='sequence',"
        f"'fields.n.start'='1','fields.n.end'='{ROWS}')\")\n"
        "t_env.execute_sql(\"CREATE TEMPORARY TABLE IF NOT EXISTS to_stderr (n INT, pad STRING) "
        "WITH ('connector'='print','standard-error'='true','print-identifier'='loud')\")\n"
        f"t_env.execute_sql(\"INSERT INTO to_stderr SELECT n, REPEAT('x', {PAD}) FROM loud_rows\")",
        "--detached -o loud_job",
    )
    job = shell.user_ns["loud_job"]
    try:  # a bounded wait: with stderr a pipe nobody reads, the job never ends
        assert until(lambda: job.status() in {"FINISHED", "FAILED", "CANCELED"} and job.status(),
                     "the job printing to stderr ended", seconds=180) == "FINISHED"
    finally:
        if job.status() not in {"FINISHED", "FAILED", "CANCELED"}:
            job.cancel()
    printed: list[str] = []

    def rows_printed() -> int:
        printed.append(capfd.readouterr().err)
        return "".join(printed).count(" +I[")

    until(lambda: rows_printed() >= ROWS, "every row on the kernel's stderr")
    assert rows_printed() == ROWS


def test_the_drain_reads_on_while_nobody_reads_its_copy_and_keeps_the_tail(tmp_path):
    """1 MiB through a pipe ends, its copy is whole (but for Java's warning at PyFlink's
    launch), and PyFlink's start-up error would get the last bytes; a copy that cannot be
    written (no such descriptor) still drains the pipe."""
    from flink_notebook.engine.gateway_stderr import TAIL_BYTES, DrainedStderr

    warning = b"WARNING: Unknown module: jdk.proxy2 specified to --add-opens\n"
    data = warning + b"".join(b"line %06d\n" % n for n in range(100_000))
    copy = tmp_path / "copy"
    out = os.open(copy, os.O_WRONLY | os.O_CREAT)
    for to in (out, 10**6):  # a file, then a descriptor that does not exist
        read, write = os.pipe()
        drained = DrainedStderr(os.fdopen(read, "rb"), to=to)
        with os.fdopen(write, "wb") as writer:
            writer.write(data)  # would block past 64 KiB with nobody reading
        assert drained.read() == data[-TAIL_BYTES:]
    os.close(out)
    assert copy.read_bytes() == data.removeprefix(warning)  # Java's noise at PyFlink's launch

def test_a_session_drains_every_gateway_pyflink_launches_from_then_on():
    from pyflink import java_gateway

    from flink_notebook.engine.session import FlinkSession

    FlinkSession()
    FlinkSession()  # wrapped once, not twice
    launch = java_gateway.launch_gateway_server_process
    assert launch.drains_stderr
    assert launch.__closure__[0].cell_contents is pyflink_gateway_server_launch()


def pyflink_gateway_server_launch():
    from pyflink import pyflink_gateway_server

    return pyflink_gateway_server.launch_gateway_server_process


def test_pyflink_launches_its_gateway_through_the_function_we_wrap():
    """engine/gateway_stderr.py wraps PyFlink's launcher by its name in java_gateway; a
    release that launches otherwise would leave the pipe undrained again."""
    from pyflink import java_gateway, pyflink_gateway_server

    assert "launch_gateway_server_process" in java_gateway.launch_gateway.__code__.co_names
    assert "stderr=PIPE" in inspect.getsource(pyflink_gateway_server.launch_gateway_server_process)
