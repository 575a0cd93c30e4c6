"""Which Flink the kernel may have, and a cluster of another minor version refused before
anything is submitted (pure logic and a fake REST API: no Flink starts)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from IPython.core.error import UsageError

from flink_notebook.core import flink_versions
from flink_notebook.core.config import Configuration
from flink_notebook.core.errors import Unreachable, submission_failure
from flink_notebook.core.flink_versions import check_cluster, check_kernel, minor, minor_tuple
from flink_notebook.executors.remote import RemoteExecutor
from flink_notebook.jobs.pipeline import Pipeline
from flink_notebook.jobs.rest import reached


def test_minor_versions():
    assert [minor(v) for v in ("2.3.0", "1.20.5", "2.3-SNAPSHOT", "2.10.1")] == \
        ["2.3", "1.20", "2.3", "2.10"]


@pytest.mark.parametrize("version", ["1.19.1", "2.4.0", "1.18.0"])
def test_an_unsupported_kernel_flink_is_one_line_naming_both(version):
    with pytest.raises(UsageError) as raised:
        check_kernel(version)
    message = str(raised.value)
    assert "\n" not in message
    assert f"this kernel has {version}" in message
    assert "apache-flink 1.20.x, 2.0.x, 2.1.x, 2.2.x or 2.3.x" in message


@pytest.mark.parametrize("version", ["1.20.5", "2.0.2", "2.1.3", "2.2.1", "2.3.0"])
def test_every_supported_flink_is_taken(version):
    check_kernel(version)


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
    ("1.20.5", "Install apache-flink==1.20.5 in the kernel's environment, or use a Flink 2.3 "
               "cluster."),
    ("1.19.2", "runs Flink 1.20.x, 2.0.x, 2.1.x, 2.2.x or 2.3.x only: use a Flink 2.3 cluster."),
    ("2.2.1", "runs Flink 2.2.1 and this kernel PyFlink 2.3.0"),
])
def test_a_cluster_of_another_minor_version_is_refused_naming_both(cluster, says):
    with pytest.raises(UsageError) as raised:
        check_cluster("http://h:8081", cluster, kernel="2.3.0")
    assert says in str(raised.value) and "\n" not in str(raised.value)
    check_cluster("http://h:8081", "2.3.1", kernel="2.3.0")  # a patch release: fine


KERNEL = flink_versions.kernel_version()
#: A Flink of another minor version than the kernel's (the suite runs on each supported one).
OTHER = "2.3.0" if minor(KERNEL) == "1.20" else "1.20.5"


class _OldFlink(BaseHTTPRequestHandler):
    """A REST API that says it is Flink ``version`` (in /config and /overview, as Flink
    1.20 to 2.3 do), records the requests, and answers /config as ``config`` says: ``ok``,
    ``404`` or ``hang`` (never answers, until the server shuts down)."""

    seen: list[str] = []
    version = OTHER
    config = "ok"
    released = threading.Event()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append(self.path)
        if self.path == "/config" and self.config == "hang":
            self.released.wait(30)
            return
        found = self.path == "/overview" or (self.path == "/config" and self.config == "ok")
        body = json.dumps({"flink-version": self.version, "slots-available": 4,
                           "slots-total": 4, "taskmanagers": 1} if found else
                          {"errors": ["Not found: " + self.path]}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def old_flink():
    """A fake Flink REST API (``_OldFlink``) on a free port: its handler class, to set."""
    handler = type("Handler", (_OldFlink,), {"seen": [], "released": threading.Event()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.port = server.server_address[1]
    yield handler
    handler.released.set()
    server.shutdown()
    server.server_close()


def _remote(port: int) -> Configuration:
    return Configuration.load(environ={}).with_cell(
        {"execution.target": "remote", "rest.address": "127.0.0.1", "rest.port": port})


def never_submitted(address):
    raise AssertionError(f"submitted to {address} although the versions differ")


def test_a_remote_submission_to_an_older_cluster_is_refused_before_anything_is_sent(old_flink):
    with pytest.raises(UsageError) as raised:
        RemoteExecutor().execute(Pipeline("x", "insert", 1, never_submitted),
                                 _remote(old_flink.port))
    assert f"runs Flink {OTHER} and this kernel PyFlink {KERNEL}:" in str(raised.value)
    assert old_flink.seen == ["/overview", "/config"]  # asked, nothing sent


def test_the_version_is_read_from_config_once_per_cluster_until_it_says_another(old_flink):
    url = f"http://127.0.0.1:{old_flink.port}"
    configuration = _remote(old_flink.port)
    first, _ = reached(url, configuration)
    again, _ = reached(url, configuration)
    assert first.cluster_version == again.cluster_version == OTHER
    assert old_flink.seen == ["/overview", "/config", "/overview"]  # /config asked once
    old_flink.version = KERNEL  # started again at that address with another Flink
    assert reached(url, configuration)[0].cluster_version == KERNEL
    assert old_flink.seen[3:] == ["/overview", "/config"]
    for client in (first, again):
        client.close()


def test_a_cluster_that_has_no_config_is_not_taken_for_flink(old_flink):
    old_flink.config = "404"
    with pytest.raises(UsageError) as raised:
        RemoteExecutor().execute(Pipeline("x", "insert", 1, never_submitted),
                                 _remote(old_flink.port))
    assert str(raised.value) == (
        f"http://127.0.0.1:{old_flink.port} answers, but not as Flink's REST API (GET /config "
        "has no flink-version). Check rest.address and rest.port.")


def test_a_cluster_that_does_not_answer_config_is_unreachable_within_seconds(old_flink):
    old_flink.config = "hang"
    started = time.monotonic()
    with pytest.raises(Unreachable) as raised:
        RemoteExecutor().execute(Pipeline("x", "insert", 1, never_submitted),
                                 _remote(old_flink.port))
    # The issue asks for "the usual unreachable error within seconds": REACH_TIMEOUT bounds
    # each request of the first contact (2.5 s to answer); a bound far above it, not a timing.
    assert time.monotonic() - started < 15
    assert str(raised.value).startswith(
        f"Cannot reach the Flink cluster at http://127.0.0.1:{old_flink.port} (")
    assert "\n" not in str(raised.value)


_FRAME = "\tat org.apache.flink.Some.method(Some.java:1)"
# What a 2.3 kernel's submission got, bypassing the version check (traces cut to their
# causes): from a 1.20.5 cluster, from a 2.2.1 one; and a statement's own error.
_REFUSED_BY_1_20 = "\n".join([
    "org.apache.flink.table.api.TableException: Failed to execute sql", _FRAME,
    "Caused by: org.apache.flink.util.FlinkException: Failed to execute job 'SELECT 1 AS x'.",
    _FRAME,
    "Caused by: org.apache.flink.runtime.client.JobSubmissionException: Failed to submit "
    "ExecutionPlan.", _FRAME,
    "Caused by: org.apache.flink.runtime.rest.util.RestClientException: [org.apache.flink."
    "runtime.rest.handler.RestHandlerException: The jobGraphFileName field must not be "
    "omitted or be null.", _FRAME,
])
_REFUSED_BY_2_2 = "\n".join([
    "org.apache.flink.table.api.TableException: Failed to execute sql", _FRAME,
    "Caused by: org.apache.flink.runtime.client.JobSubmissionException: Failed to submit "
    "ExecutionPlan.", _FRAME,
    "Caused by: org.apache.flink.runtime.rest.util.RestClientException: [Internal server "
    "error., <Exception on server side:",
    "org.apache.flink.runtime.client.JobSubmissionException: Failed to submit job.", _FRAME,
    "Caused by: java.io.InvalidClassException: org.apache.flink.table.runtime.operators."
    "TableStreamOperator; local class incompatible: stream classdesc serialVersionUID = "
    "-4125647530398802959, local class serialVersionUID = -2040306820716853598", _FRAME,
])
_PLANNING = "\n".join([
    "org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, "
    "column 8 to line 1, column 8: Column 'y' not found in any table", _FRAME,
])


class _Java(Exception):
    """A Java error as py4j prints it: its trace."""


@pytest.mark.parametrize(("trace", "cluster", "says"), [
    (_REFUSED_BY_1_20, "1.20.5", "The jobGraphFileName field must not be omitted or be null. "
     "The cluster runs Flink 1.20.5 and this kernel PyFlink 2.3.0: use a Flink 2.3 cluster, or "
     "install apache-flink==1.20.5 in the kernel's environment."),
    (_REFUSED_BY_2_2, None, "InvalidClassException: TableStreamOperator; local class "
     "incompatible. Does the cluster run another Flink than this kernel's PyFlink 2.3.0? Jobs "
     "built here run on a cluster of Flink 2.3."),
])
def test_a_failed_submission_names_the_cluster_and_the_cause(trace, cluster, says):
    failed = submission_failure(_Java(trace), "http://h:8081", cluster, kernel_version="2.3.0")
    assert str(failed) == (f"Could not submit the job to the Flink cluster at http://h:8081: "
                           f"{says} (add --verbose to the magic line for the Java trace)")
    assert failed.shown(verbose=False) is failed
    verbose = str(failed.shown(verbose=True))
    assert verbose.startswith(f"Could not submit the job to the Flink cluster at http://h:8081: "
                              f"{says}\n\n") and "JobSubmissionException" in verbose


def test_a_statement_s_own_error_is_no_failure_to_submit():
    assert submission_failure(_Java(_PLANNING), "http://h:8081") is None
    assert submission_failure(UsageError("JobSubmissionException"), "http://h:8081") is None


def test_a_sql_cell_for_an_older_cluster_is_refused_before_the_kernel_s_java_starts(
        shell, old_flink):
    # Not marked cluster: the fixture fails the test if it started Java. A new kernel's
    # first cell hears it at once instead of after Java's start and the query's plan.
    line = f"--target remote -D rest.address=127.0.0.1 -D rest.port={old_flink.port}"
    with pytest.raises(UsageError) as raised:
        shell.run_cell_magic("flink_sql", line, "CREATE TABLE t (x INT);\nSELECT 1 AS x")
    assert str(raised.value).startswith(
        f"The cluster at http://127.0.0.1:{old_flink.port} runs Flink {OTHER} and this kernel "
        f"PyFlink {KERNEL}: jobs built here cannot run there. Install apache-flink=={OTHER}")
    assert old_flink.seen == ["/overview", "/config"]


def _pyflink_class(name: str):
    import pyflink.datastream
    import pyflink.table

    return getattr(pyflink.table, name, None) or getattr(pyflink.datastream, name)


@pytest.mark.parametrize("entry", sorted(flink_versions.PYFLINK_SINCE))
def test_the_newer_pyflink_api_table_holds_for_the_installed_pyflink(entry):
    """Each member is in the installed PyFlink exactly when it is at least the entry's
    version (the compatibility suite runs this on every supported Flink)."""
    owner, member = entry.split(".")
    since = flink_versions.PYFLINK_SINCE[entry]
    newer = minor_tuple(flink_versions.kernel_version()) >= minor_tuple(since)
    assert hasattr(_pyflink_class(owner), member) == newer, (entry, since)


def test_newer_pyflink_api_is_named_with_both_versions():
    assert flink_versions.later_api(["StreamTableEnvironment", "TableEnvironment", "object"],
                                    "create_model", kernel="2.0.2") == (
        "StreamTableEnvironment.create_model needs Flink 2.1 or later; this kernel has "
        "PyFlink 2.0.2")
    assert flink_versions.later_api(["Table"], "insert_into", kernel="2.1.3") is None
    assert flink_versions.later_api(["Table"], "no_such_method", kernel="1.20.5") is None
    assert flink_versions.later_api(["Other"], "insert_into", kernel="1.20.5") is None


def test_a_cells_attribute_error_on_newer_api_points_at_its_line(monkeypatch):
    from flink_notebook.cells.code_errors import later_api_error

    class Table:  # stands for PyFlink 1.20's Table: no insert_into
        pass

    code = "t = Table()\nt.insert_into('sink')"
    monkeypatch.setattr(flink_versions, "kernel_version", lambda: "1.20.5")
    try:
        exec(compile(code, "<cell-7>", "exec"), {"Table": Table})
    except AttributeError as exc:
        error = exc
    assert later_api_error(error, "<cell-7>", code) == (
        "Table.insert_into needs Flink 2.1 or later; this kernel has PyFlink 1.20.5 (line 2 of"
        "\n  the cell).\n   2 | t.insert_into('sink')")  # wrapped at words, within 100 columns
    assert later_api_error(ValueError("x"), "<cell-7>", code) is None
    assert later_api_error(AttributeError("'Table' object has no attribute 'other'"),
                           "<cell-7>", code) is None
