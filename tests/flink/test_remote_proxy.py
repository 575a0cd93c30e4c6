"""The remote target behind an authenticating proxy: extra HTTP headers reach the cluster
from our REST client and from Flink's own (job submission, query results), and are never
shown."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from IPython.core.error import UsageError

from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.config import Configuration
from flink_notebook.core.rest_options import parse_headers
from flink_notebook.jobs.rest import RestClient, client_for
from tests.conftest import SUITE_HEADER

NAME, VALUE = SUITE_HEADER
_HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive",
               "content-encoding"}


class _Proxy(BaseHTTPRequestHandler):
    """Forwards requests that carry the header; answers 401 to the others."""

    def _body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _forward(self) -> None:
        body = self._body()
        if self.headers.get(NAME) != VALUE:
            self.server.rejected.append(f"{self.command} {self.path}")
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.server.forwarded.append(f"{self.command} {self.path}")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        answer = httpx.request(self.command, self.server.upstream + self.path, content=body,
                               headers=headers, timeout=120)
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def proxy():
    with LocalCluster(slots=1, name="behind-proxy") as cluster:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
        server.upstream, server.forwarded, server.rejected = cluster.rest_url, [], []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            server.server_close()


def test_headers_are_parsed_from_name_value_entries():
    assert parse_headers("A: 1; B:two words\nC: x:y") == {"A": "1", "B": "two words", "C": "x:y"}
    with pytest.raises(UsageError, match=r"entry 2 has no 'Name:'") as error:
        parse_headers("A: 1; secret-looking-value")
    assert "secret-looking-value" not in str(error.value)


@pytest.mark.cluster
def test_our_rest_client_sends_the_headers(proxy):
    url = f"http://127.0.0.1:{proxy.server_port}"
    assert client_for(url, Configuration()).overview()["taskmanagers"] == 1
    refused = r"refused the request \(401 Unauthorized\).*notebook.rest-headers"
    with pytest.raises(UsageError, match=refused):
        RestClient(url).overview()


@pytest.mark.cluster
def test_a_query_through_the_proxy_on_the_remote_target(shell, proxy):
    url = f"http://127.0.0.1:{proxy.server_port}"
    rejected = len(proxy.rejected)
    shell.run_cell_magic(
        "flink_sql", f"--target remote -D rest.address={url} -o through",
        "SELECT n + 1 AS m FROM (VALUES (1), (2)) AS t(n)",
    )
    assert sorted(shell.user_ns["through"]["m"]) == [2, 3]
    assert any(line.startswith("POST /v1/jobs") for line in proxy.forwarded)  # the submission
    assert any("/coordinators/" in line for line in proxy.forwarded)  # the rows
    assert len(proxy.rejected) == rejected


@pytest.mark.cluster
def test_headers_set_after_flink_started_are_refused_and_never_shown(shell, proxy):
    url = f"http://127.0.0.1:{proxy.server_port}"
    shell.run_line_magic("flink_config", "notebook.rest-headers=X-Other:hidden-value-77")
    try:
        shown = shell.run_line_magic("flink_config", "")
        assert "hidden-value-77" not in repr(shown) and "hidden-value-77" not in shown._repr_html_()
        with pytest.raises(UsageError, match="changed after Flink started.*restart the kernel"):
            shell.run_cell_magic("flink_sql", f"--target remote -D rest.address={url}",
                                 "SELECT 1")
    finally:
        from flink_notebook.engine.session import FlinkSession

        FlinkSession.current().configuration.unset("notebook.rest-headers")


@pytest.mark.cluster
def test_attach_through_the_proxy_sends_the_headers(shell, proxy):
    url = f"http://127.0.0.1:{proxy.server_port}"
    rejected = len(proxy.rejected)
    shell.run_cell_magic("flink_sql", "", """
        CREATE TEMPORARY TABLE IF NOT EXISTS proxy_ticks (n BIGINT) WITH (
          'connector' = 'datagen', 'rows-per-second' = '5');
        CREATE TEMPORARY TABLE IF NOT EXISTS proxy_sink (n BIGINT) WITH ('connector' = 'blackhole')
    """)
    shell.run_cell_magic("flink_sql", f"--target remote -D rest.address={url} --detached -o sub",
                         "INSERT INTO proxy_sink SELECT n FROM proxy_ticks")
    job = shell.user_ns["sub"]
    try:
        shell.run_line_magic("flink_attach", f"{job.job_id} --rest {url} -o via_proxy")
        handle = shell.user_ns["via_proxy"]
        assert handle.rest.url == url
        assert handle.status() in ("CREATED", "INITIALIZING", "RUNNING")
        assert handle.cancel() == "CANCELED"
    finally:
        if not job.is_terminal:
            job.cancel()
    assert len(proxy.rejected) == rejected
