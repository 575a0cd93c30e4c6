"""Which Flink the kernel may have, and a cluster of another minor version refused before
anything is submitted (pure logic and a fake REST API: no Flink starts)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from IPython.core.error import UsageError

from flink_notebook.core import flink_versions
from flink_notebook.core.config import Configuration
from flink_notebook.core.flink_versions import check_cluster, check_kernel, minor
from flink_notebook.executors.remote import RemoteExecutor
from flink_notebook.jobs.pipeline import Pipeline


def test_minor_versions():
    assert [minor(v) for v in ("2.3.0", "1.20.5", "2.3-SNAPSHOT", "2.10.1")] == \
        ["2.3", "1.20", "2.3", "2.10"]


@pytest.mark.parametrize("version", ["1.19.1", "2.4.0", "1.20.5"])
def test_an_unsupported_kernel_flink_is_one_line_naming_both(version):
    with pytest.raises(UsageError) as raised:
        check_kernel(version)
    message = str(raised.value)
    assert "\n" not in message
    assert f"this kernel has {version}" in message and "apache-flink 2.3.x" in message


def test_the_installed_flink_is_supported():
    check_kernel()  # the suite's own kernel: the lock's apache-flink


class _Shell:
    """A shell that fails the test if anything is registered with it."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the extension reached for shell.{name}")


def test_load_ext_with_an_unsupported_flink_registers_nothing(monkeypatch):
    from flink_notebook.magics import register

    monkeypatch.setattr(flink_versions, "kernel_version", lambda: "1.19.1")
    with pytest.raises(UsageError, match="this kernel has 1.19.1"):
        register(_Shell())


@pytest.mark.parametrize(("cluster", "says"), [
    ("1.20.5", "This release of flink-notebook runs Flink 2.3 only: use a Flink 2.3 cluster."),
    ("2.2.1", "runs Flink 2.2.1 and this kernel PyFlink 2.3.0"),
])
def test_a_cluster_of_another_minor_version_is_refused_naming_both(cluster, says):
    with pytest.raises(UsageError) as raised:
        check_cluster("http://h:8081", cluster, kernel="2.3.0")
    assert says in str(raised.value) and "\n" not in str(raised.value)
    check_cluster("http://h:8081", "2.3.1", kernel="2.3.0")  # a patch release: fine


class _OldFlink(BaseHTTPRequestHandler):
    """A REST API that says it is Flink 1.20.5 (as /overview does), and records requests."""

    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append(self.path)
        body = json.dumps({"flink-version": "1.20.5", "slots-available": 4,
                           "slots-total": 4, "taskmanagers": 1}).encode()
        self.send_response(200 if self.path == "/overview" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_remote_submission_to_an_older_cluster_is_refused_before_anything_is_sent():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OldFlink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        configuration = Configuration.load(environ={}).with_cell(
            {"execution.target": "remote", "rest.address": "127.0.0.1",
             "rest.port": server.server_address[1]})

        def never_submitted(address):
            raise AssertionError(f"submitted to {address} although the versions differ")

        with pytest.raises(UsageError) as raised:
            RemoteExecutor().execute(Pipeline("x", "insert", 1, never_submitted),
                                     configuration)
        assert "runs Flink 1.20.5 and this kernel PyFlink 2.3" in str(raised.value)
        assert _OldFlink.seen == ["/overview"]  # asked once, nothing sent
    finally:
        server.shutdown()
        server.server_close()
