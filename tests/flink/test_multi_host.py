"""A Flink cluster across hosts (network namespaces on this machine, tests/hosts.py): the
JobManager on host A, a TaskManager on each of hosts B and C, each started with
``flink-notebook cluster start --bind`` / ``cluster join`` on its host, and the kernel (this
process) in the root namespace using ``--target remote``.

One cluster serves the module; the tests that cut links (at the end) break it, so they come
last. Addresses that are no Flink cluster (one that does not route, a host without a
JobManager, a port with another server) fail within seconds, naming the address.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from handles import added_since, cancelled_if_failing, jobs_now, vertices_of
from hosts import Host, network
from IPython.core.error import UsageError
from waiting import until

from flink_notebook.cells.notebook import Notebook
from flink_notebook.clusters.standalone import LocalCluster
from flink_notebook.core.errors import Unreachable
from flink_notebook.jobs.rest import RestClient

pytestmark = pytest.mark.cluster

#: Heartbeats every 2 s; a host that stops answering is given up after 30 s, longer than
#: the tests keep host A cut off (its jobs survive that), short enough not to wait long
#: when host B goes.
HEARTBEATS = ["-D", "heartbeat.interval=2000", "-D", "heartbeat.timeout=30000"]
SLOTS = 2  # per TaskManager: 4 in all, for parallelism 4


def cli(host: Host, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """``flink-notebook ARGS`` run on ``host``."""
    return host.run([sys.executable, "-m", "flink_notebook", *args], timeout=timeout)


class SpreadCluster:
    """The JobManager on A, TaskManagers on B and C, each a registered cluster of its
    host (the state directory is shared, so all three are in this process's registry)."""

    def __init__(self, net) -> None:
        self.net = net
        self.names = {"a": "mh-jobmanager", "b": "mh-tm-b", "c": "mh-tm-c"}
        self.started: dict[str, str] = {}  # what each host's command printed

    def start(self) -> None:
        a = self.net["a"]
        done = cli(a, "cluster", "start", "--bind", a.address, "--taskmanagers", "0",
                   "--name", self.names["a"], *HEARTBEATS)
        assert done.returncode == 0, done.stderr
        self.started["a"] = done.stdout
        rpc = re.search(r"--jobmanager (\S+)", done.stdout).group(1)
        joins = {name: self.net[name].popen(
            [sys.executable, "-m", "flink_notebook", "cluster", "join", "--jobmanager", rpc,
             "--bind", self.net[name].address, "--slots", str(SLOTS),
             "--name", self.names[name], *HEARTBEATS],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in "bc"}
        for name, join in joins.items():  # both start at once: one JVM start-up to wait for
            out, err = join.communicate(timeout=180)
            assert join.returncode == 0, err
            self.started[name] = out

    @property
    def jobmanager(self) -> LocalCluster:
        return LocalCluster.load(self.names["a"])

    @property
    def url(self) -> str:
        return self.jobmanager.rest_url

    def stop(self) -> None:
        for name in self.names.values():
            try:
                LocalCluster.load(name).stop()
            except UsageError:
                pass  # never started


@pytest.fixture(scope="module")
def net():
    with network("a", "b", "c", "d") as made:
        yield made


@pytest.fixture(scope="module")
def spread(net):
    cluster = SpreadCluster(net)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def remote(spread: SpreadCluster, more: str = "") -> str:
    return f"--target remote -D rest.address={spread.url} {more}"


def listening(host: Host) -> set[str]:
    """The addresses Java processes listen on in ``host`` (``ss`` in its namespace: a
    namespace's sockets are not in the root's /proc/net)."""
    shown = host.run(["ss", "-Hltnp"]).stdout
    return {line.split()[3].rsplit(":", 1)[0].strip("[]").removeprefix("::ffff:")
            for line in shown.splitlines() if '"java"' in line}


def running_everywhere(job) -> bool:
    return job.status() == "RUNNING" and all(
        v["status"] == "RUNNING" for v in job._last_details.get("vertices", []))


# -- part 1: one cluster over three hosts ------------------------------------------------


def test_each_host_binds_its_own_address_and_the_start_says_so(net, spread):
    a, b, c = net["a"], net["b"], net["c"]
    assert f"bound to {a.address}: other hosts reach it" in spread.started["a"]
    assert f"REST API and web UI: http://{a.address}:" in spread.started["a"]
    for name in "bc":
        assert f"bound to {net[name].address}, registered with the JobManager at " \
               f"{a.address}:" in spread.started[name]
    for host in (a, b, c):
        assert listening(host) == {host.address}  # not 0.0.0.0, not loopback
    managers = RestClient(spread.url).taskmanagers()
    assert sorted(tm["id"].split(":")[0] for tm in managers) == [b.address, c.address]
    assert sum(tm["slotsNumber"] for tm in managers) == 2 * SLOTS


WHERE_CELL = """
import socket
from pyflink.table import DataTypes
from pyflink.table.udf import udf

@udf(result_type=DataTypes.STRING())
def where_am_i(n):
    # The address this host sends from towards the JobManager (a UDP connect sends nothing).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((JOBMANAGER, 9))
        return probe.getsockname()[0]

t_env.drop_temporary_function("where_am_i")
t_env.create_temporary_function("where_am_i", where_am_i)
t_env.execute_sql("CREATE TEMPORARY TABLE IF NOT EXISTS mh_numbers (n BIGINT) WITH ("
                  "'connector'='datagen', 'number-of-rows'='400', 'fields.n.kind'='sequence',"
                  "'fields.n.start'='1', 'fields.n.end'='400')")
t_env.sql_query("SELECT where_am_i(n) AS host, COUNT(*) AS n FROM mh_numbers "
                "GROUP BY where_am_i(n)")
"""


def test_a_query_with_parallelism_4_runs_its_python_udf_on_both_taskmanagers(shell, net,
                                                                             spread):
    shell.user_ns["JOBMANAGER"] = net["a"].address
    before = jobs_now()
    shell.run_cell_magic("flink", remote(spread, "-p 4 -o hosts_seen"), WHERE_CELL)
    seen = shell.user_ns["hosts_seen"]
    assert dict(zip(seen["host"], seen["n"])) .keys() == {net["b"].address, net["c"].address}
    assert seen["n"].sum() == 400
    job = added_since(before)[0]
    assert job.rest.url == spread.url
    assert max(v["parallelism"] for v in vertices_of(job)) == 4


STREAM_CELL = """
import socket
from pyflink.common import Types

def where_am_i(word):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((JOBMANAGER, 9))
        return word, probe.getsockname()[0]

words = env.from_collection([f"w{i}" for i in range(40)], type_info=Types.STRING())
placed = list(words.map(where_am_i, output_type=Types.TUPLE([Types.STRING(), Types.STRING()]))
              .set_parallelism(4).execute_and_collect())
"""


def test_a_python_datastream_map_runs_on_the_remote_taskmanagers(shell, net, spread):
    shell.user_ns["JOBMANAGER"] = net["a"].address
    shell.run_cell_magic("flink", remote(spread), STREAM_CELL)
    placed = shell.user_ns["placed"]
    assert sorted(word for word, _ in placed) == sorted(f"w{i}" for i in range(40))
    assert {host for _, host in placed} == {net["b"].address, net["c"].address}


TICKS = """
CREATE TEMPORARY TABLE IF NOT EXISTS mh_ticks (k INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '20', 'fields.k.min' = '1',
  'fields.k.max' = '4')
"""


def test_views_handles_jobs_attach_and_a_savepoint_all_hosts_see(shell, net, spread,
                                                                 tmp_path: Path):
    from flink_notebook.display.monitor import ClusterMonitor

    shell.run_cell_magic("flink_sql", "", TICKS)
    shell.run_cell_magic("flink_sql", remote(spread, "-p 4 --detached -o counting"),
                         "SELECT k, COUNT(*) AS n FROM mh_ticks GROUP BY k")
    job = shell.user_ns["counting"]
    with cancelled_if_failing(job):
        assert ClusterMonitor.for_url(spread.url, 1.0).running  # the detached view's
        until(lambda: len(job.to_pandas()) == 4, "counts of all four keys")
        until(lambda: running_everywhere(job), "every subtask running")
        assert max(op["parallelism"] for op in job.progress()) == 4

        shell.run_line_magic("flink_attach", f"{job.job_id} --rest {spread.url} -o again")
        again = shell.user_ns["again"]
        assert again is not job and again.status() == "RUNNING"
        listed = shell.run_line_magic("flink_jobs", "")  # a table without widgets
        assert set(listed[listed["job_id"] == job.job_id]["state"]) == {"RUNNING"}

        savepoint = again.stop_with_savepoint(str(tmp_path / "savepoints"))
    assert job.wait(timeout=60) == "FINISHED"
    # Written by the TaskManagers on B and C and the JobManager on A, read here.
    assert (Path(savepoint.removeprefix("file:")) / "_metadata").is_file()


def test_a_cluster_started_from_the_notebook_with_bind_is_reached_from_other_hosts(
        shell, net, capsys):
    """``%flink_cluster start --bind``: the kernel's host (the root namespace, on the
    bridge) runs the JobManager; host B reaches its REST API; it says so, and how to join."""
    import json

    import psutil

    session = Notebook.current()
    shell.run_line_magic("flink_cluster", f"start --bind {net.gateway} --taskmanagers 0 "
                                          "--name mh-notebook")
    try:
        said = capsys.readouterr().out
        cluster = next(c for c in session.clusters if c.name == "mh-notebook")
        assert cluster.rest_url.startswith(f"http://{net.gateway}:")
        assert f"Bound to {net.gateway}: other hosts reach it" in said
        assert f"cluster join --jobmanager {cluster.rpc_address} --bind" in said
        assert session.configuration.get("rest.address") == net.gateway
        addresses = {conn.laddr.ip.removeprefix("::ffff:") for pid in cluster.pids
                     for conn in psutil.Process(pid).net_connections("inet")
                     if conn.status == psutil.CONN_LISTEN}
        assert addresses == {net.gateway}
        asked = net["b"].run([sys.executable, "-c", "import sys, urllib.request; print("
                              "urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())",
                              f"{cluster.rest_url}/overview"])
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["taskmanagers"] == 0
    finally:
        shell.run_line_magic("flink_cluster", "stop mh-notebook")


# -- addresses that are no Flink cluster ---------------------------------------------------

OVERVIEW_PAGE = "<html><body>Not Flink: a web page</body></html>"


@pytest.fixture(scope="module")
def not_flink(net, tmp_path_factory):
    """On host D: web servers whose /overview is a page (200, not JSON) or JSON of
    something else, and a server that greets with a line of another protocol. Nothing
    listens on D's port 8081."""
    d = net["d"]
    for port, answer in ((18080, OVERVIEW_PAGE), (18081, '{"status": "ok"}')):
        pages = tmp_path_factory.mktemp("pages")
        (pages / "overview").write_text(answer)
        d.popen([sys.executable, "-m", "http.server", "--bind", d.address, "--directory",
                 str(pages), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    greeter = (
        "import socket\n"
        f"s = socket.create_server(('{d.address}', 18022))\n"
        "while True:\n"
        "    c, _ = s.accept(); c.sendall(b'SSH-2.0-OpenSSH_9.2\\r\\n'); c.close()\n")
    d.popen([sys.executable, "-c", greeter])
    for port in (18080, 18081, 18022):
        until(lambda port=port: d.run(["ss", "-Hltn", f"sport = :{port}"]).stdout.strip(),
              f"a server on {d.address}:{port}", seconds=30)
    return d


@pytest.mark.parametrize("kind", ["no route", "no jobmanager", "a web page", "other JSON",
                                  "another protocol"])
def test_an_address_that_is_no_flink_cluster_fails_within_5_s_naming_it(shell, net, not_flink,
                                                                        kind):
    gateway = net.gateway.rsplit(".", 1)[0]
    url = {"no route": f"http://{gateway}.250:8081",  # in the subnet, no host there
           "no jobmanager": f"http://{not_flink.address}:8081",
           "a web page": f"http://{not_flink.address}:18080",
           "other JSON": f"http://{not_flink.address}:18081",
           "another protocol": f"http://{not_flink.address}:18022"}[kind]
    shell.run_cell_magic("flink_sql", "", TICKS)
    for run in (
        lambda: shell.run_line_magic("flink_attach", f"{'0' * 32} --rest {url}"),
        lambda: shell.run_cell_magic("flink_sql", f"--target remote -D rest.address={url}",
                                     "SELECT k FROM mh_ticks"),
    ):
        started = time.monotonic()
        with pytest.raises(UsageError) as raised:
            run()
        took = time.monotonic() - started
        message = str(raised.value)
        print(f"{kind}: {took:.2f} s: {message}")
        assert type(raised.value) in (UsageError, Unreachable)  # ours, one line
        assert url in message and "\n" not in message and "Exception" not in message
        assert took < 5


def test_binding_or_joining_bad_addresses_fails_naming_them(net):
    b = net["b"]
    nowhere = f"{net.gateway.rsplit('.', 1)[0]}.250"
    known = {cluster.name for cluster in LocalCluster.known()}
    for args, says in (
        (["start", "--bind", "0.0.0.0"], "--bind '0.0.0.0': give this host's address"),
        (["start", "--bind", net["c"].address], f"Cannot listen on {net['c'].address}: not "
                                                "an address of this host"),
        (["join", "--jobmanager", f"{nowhere}:6123", "--bind", b.address],
         f"Cannot reach the JobManager at {nowhere}:6123"),
        (["join", "--jobmanager", f"{net['d'].address}:6123", "--bind", b.address],
         f"Cannot reach the JobManager at {net['d'].address}:6123 (Connection refused)"),
    ):
        started = time.monotonic()
        done = cli(b, "cluster", *args, timeout=60)
        took = time.monotonic() - started
        print(f"{' '.join(args)}: {took:.2f} s: {done.stderr.strip()}")
        assert done.returncode == 2, done.stdout
        assert says in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert took < 15  # Python's start, then seconds: no JVM is started
    assert {cluster.name for cluster in LocalCluster.known()} == known


# -- part 2: partitions (last: they break the module's cluster) --------------------------

SINK = """
CREATE TEMPORARY TABLE IF NOT EXISTS mh_sink (k INT) WITH ('connector' = 'blackhole')
"""


def start_insert(shell, spread: SpreadCluster, out: str, options: str):
    shell.run_cell_magic("flink_sql", "", TICKS + ";" + SINK)
    shell.run_cell_magic("flink_sql", remote(spread, f"--detached -o {out} {options}"),
                         "INSERT INTO mh_sink SELECT k FROM mh_ticks")
    job = shell.user_ns[out]
    until(lambda: running_everywhere(job), "the job running on every subtask")
    return job


def test_a_taskmanager_host_cut_off_fails_its_job_and_the_view_names_it(shell, net, spread):
    from flink_notebook.display.poller import JobPoller
    from flink_notebook.display.renderers.snapshot import text_snapshot

    # Parallelism 4 needs both TaskManagers; without restarts, losing one fails the job.
    job = start_insert(shell, spread, "cut_b", "-p 4 -D restart-strategy.type=none")
    poller = JobPoller(job)
    view = poller.poll()
    b = net["b"]
    b.link_down()
    try:
        started = time.monotonic()
        until(lambda: poller.poll().ended, "the job ending after B was cut off", seconds=120)
        took = time.monotonic() - started
    finally:
        b.link_up()
    print(f"B cut off: the job {view.state} after {took:.1f} s: {view.failure}")
    assert view.state == "FAILED"
    assert b.address in view.failure  # the lost TaskManager, by its host's address
    assert "Caused by" not in view.failure  # short; the whole trace is behind a toggle
    assert b.address in text_snapshot(view)


def test_a_jobmanager_host_cut_off_is_reported_in_seconds_and_its_job_attached_again(
        shell, net, spread):
    from flink_notebook.display.monitor import ClusterMonitor

    job = start_insert(shell, spread, "cut_a", "-p 2")  # C's slots are enough
    try:
        monitor = ClusterMonitor.for_url(spread.url, 1.0)
        [watched] = [w for w in monitor._watched if w.poller.job is job]  # the cell's view
        view = watched.poller.view
        a = net["a"]
        a.link_down()
        try:
            started = time.monotonic()
            with pytest.raises(UsageError, match=f"Lost the connection to the cluster of job "
                                                 f".*last known state is RUNNING. Cannot reach "
                                                 f"the Flink cluster at {spread.url}"):
                job.status()
            reported = time.monotonic() - started
            assert reported < 10

            started = time.monotonic()  # the kernel answers while the monitor waits
            shell.run_cell("responsive = 6 * 7")
            assert shell.user_ns["responsive"] == 42 and time.monotonic() - started < 1

            asked = monitor.requests
            until(lambda: monitor.failures >= 2, "two ticks without an answer", seconds=60)
            # One request per silent tick (and what a tick under way when the link went
            # down asked), each tick further apart: backing off, not busy-looping.
            assert monitor.requests - asked <= monitor.failures + 2
            assert monitor.interval() >= 2
            assert not view.ended and view.note.startswith(
                f"Cannot reach the Flink cluster at {spread.url}: no answer since ")
            silent = time.monotonic() - started
        finally:
            a.link_up()
        print(f"A cut off: the handle said so after {reported:.1f} s; the monitor made "
              f"{monitor.requests - asked} request(s) in {monitor.failures} silent tick(s) "
              f"over {silent:.1f} s")

        until(lambda: monitor.failures == 0 and view.note is None,
              "the view carrying on once A answers again", seconds=60)
        shell.run_line_magic("flink_attach", f"{job.job_id} --rest {spread.url} -o back")
        back = shell.user_ns["back"]
        assert back.status() == "RUNNING"  # it survived: the link came back in time
        assert not view.ended
    finally:
        if not job.is_terminal:
            job.cancel()
