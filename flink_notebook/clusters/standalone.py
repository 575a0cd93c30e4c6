"""Standalone Flink clusters from the PyFlink distribution, on 127.0.0.1 unless asked.

A :class:`LocalCluster` runs the distribution's JobManager and TaskManagers as
separate processes with a generated configuration (loopback addresses, free
ports, modest memory) in its own directory under the state directory, where
its logs stay. Every started cluster is written to a registry on disk so that
another process (``flink-notebook cluster status|stop``, a lease) can find it.

Across hosts, each host runs its own part: ``bind`` is the address of this host
the processes listen on and announce (never a wildcard), and a cluster given a
``jobmanager`` (``HOST:RPCPORT``) starts only TaskManagers, which join that
JobManager.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml
from IPython.core.error import UsageError

from flink_notebook.clusters.registry import check_name, cluster_folder, clusters_dir, record_file
from flink_notebook.core.address import ClusterAddress
from flink_notebook.core.errors import PortTaken
from flink_notebook.core.ports import LOOPBACK, free_port
from flink_notebook.core.shared_files import write_whole

#: Options that fix a cluster's ports; with none set, a port taken before Flink bound it
#: makes the start try again on new ports, this many times in all.
_PORT_OPTIONS = ("rest.port", "jobmanager.rpc.port", "taskmanager.rpc.port",
                 "taskmanager.data.port", "blob.server.port")
_START_ATTEMPTS = 3
#: What says where a Flink distribution is (PyFlink's launcher sets them in the kernel when
#: its Java starts; Flink's bin/config.sh reads them before its own location).
WHERE_FLINK_IS = ("FLINK_HOME", "FLINK_LIB_DIR", "FLINK_OPT_DIR", "FLINK_PLUGINS_DIR",
                   "FLINK_CONF_DIR", "FLINK_BIN_DIR", "_FLINK_HOME_DETERMINED")

#: How often REST's metric store asks the TaskManagers (Flink's default is 10 s): the
#: views' per-operator figures are at most this old.
METRICS_FETCH_INTERVAL = "1 s"
#: How long REST keeps a job's execution graph (its state, its vertices' task states) before
#: asking the JobManager again; Flink's default is 3 s, the web UI's refresh interval too.
#: A view read a job as CREATED for 3 s after it ran, and its operators with it.
WEB_REFRESH_INTERVAL = "1 s"

HOST = LOOPBACK
_STOP_GRACE = 10.0
#: How often a starting cluster's REST API is asked whether its slots are there: a job
#: waits for this (per-job, B5), and each question is one small local GET.
_READY_POLL = 0.1
# The console appender duplicates the log file; keep only warnings on stdout so
# the .out file holds what explains a failed start.
_CONSOLE_LEVEL = ("${sys:console.log.level:-ALL}", "${sys:console.log.level:-WARN}")
_EXCEPTION_LINE = re.compile(r"(?:[a-z_$][\w$]*\.)+([A-Z][\w$]*(?:Exception|Error)\b.*)")


def flink_home() -> Path:
    """The Flink distribution inside the installed ``pyflink`` package."""
    import pyflink

    return Path(pyflink.__file__).parent


@dataclass(frozen=True)
class ClusterProcess:
    """One OS process, identified by pid and start time (pids get reused)."""

    role: str
    pid: int
    create_time: float

    @classmethod
    def of(cls, role: str, pid: int) -> ClusterProcess:
        return cls(role, pid, psutil.Process(pid).create_time())

    def alive(self) -> bool:
        """True while this very process runs (a zombie counts as gone)."""
        try:
            proc = psutil.Process(self.pid)
            return (
                abs(proc.create_time() - self.create_time) < 0.01
                and proc.status() != psutil.STATUS_ZOMBIE
            )
        except psutil.NoSuchProcess:
            return False

    def signal_group(self, sig: int) -> None:
        """Send ``sig`` to the process and the group it leads (its Python UDF workers)."""
        if not self.alive():
            return
        try:
            if os.getpgid(self.pid) == self.pid:
                os.killpg(self.pid, sig)
            else:
                os.kill(self.pid, sig)
        except ProcessLookupError:
            pass


def stop_processes(processes: list[ClusterProcess], grace: float = _STOP_GRACE) -> None:
    """SIGTERM every process group, SIGKILL what is left after ``grace`` seconds."""
    for proc in processes:
        proc.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(p.alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    for proc in processes:
        proc.signal_group(signal.SIGKILL)
    while any(p.alive() for p in processes):
        time.sleep(0.1)


def probe(rest_url: str, path: str) -> Any:
    """GET from the REST API of a cluster of ours (on loopback; https without checking its
    certificate, which the cluster's options name, not ours)."""
    return httpx.get(f"{rest_url}{path}", timeout=2, verify=False).json()


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def failure_reason(paths: list[Path]) -> str:
    """The root cause a failed Flink process wrote, as one line without a stack trace."""
    for path in paths:
        if not path.is_file():
            continue
        lines = path.read_text(errors="replace").splitlines()
        causes = [m.group(1) for line in lines if (m := _EXCEPTION_LINE.search(line))]
        if causes:
            return causes[-1].strip()
        errors = [line.strip() for line in lines if "ERROR" in line]
        if errors:
            return errors[-1]
    return "no error in the logs"


#: Flink's TaskExecutor logs this once it is registered with the ResourceManager.
_REGISTERED = "Successful registration at resource manager"
_WILDCARDS = {"", "0.0.0.0", "::", "*"}


def check_bind_address(address: str) -> str:
    """``address`` if this host can listen on it; a UsageError saying why not (a wildcard,
    or an address that is not this host's)."""
    if address.strip() in _WILDCARDS:
        raise UsageError(
            f"--bind {address!r}: give this host's address that the other hosts reach "
            "(such as 10.0.0.5); Flink announces the address it binds, and a wildcard is no "
            "address to announce."
        )
    try:
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as sock:
            sock.bind((address, 0))
    except OSError as exc:
        raise UsageError(
            f"Cannot listen on {address}: not an address of this host ({exc.strerror or exc})."
            " `ip -brief address` lists this host's addresses."
        ) from None
    return address


def parse_jobmanager(address: str) -> tuple[str, int]:
    """``HOST:RPCPORT`` of a JobManager as (host, port); UsageError if it is not one."""
    host, _, port = address.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(
            f"--jobmanager {address}: write HOST:RPCPORT, the JobManager's RPC address that "
            "`flink-notebook cluster start` printed (such as 10.0.0.5:6123)."
        )
    return host.strip("[]"), int(port)


def check_reachable(host: str, port: int, what: str, timeout: float = 2.0) -> None:
    """Connect once to ``host:port``; a UsageError naming it when that fails (refused,
    timed out, no route) within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        reason = "timed out" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise UsageError(
            f"Cannot reach the {what} at {host}:{port} ({reason}). Is it running, and does "
            "this host reach that address?"
        ) from None


class LocalCluster:
    """A standalone Flink session cluster on this machine, bound to 127.0.0.1 by default.

    ``options`` are extra Flink configuration entries for the cluster's
    ``config.yaml`` (they win over the generated ones). ``bind``: the address of this
    host every process listens on and announces to the others. ``jobmanager``
    (``HOST:RPCPORT``): start no JobManager, only ``taskmanagers`` TaskManagers that
    join that one (on another host); the cluster then has no REST address of its own.
    """

    def __init__(
        self,
        slots: int = 1,
        taskmanagers: int = 1,
        name: str | None = None,
        options: dict[str, str] | None = None,
        bind: str = HOST,
        jobmanager: str | None = None,
        home: Path | None = None,
    ) -> None:
        # A JobManager alone is a cluster whose TaskManagers join from other hosts.
        if slots < 1 or taskmanagers < (1 if jobmanager or bind == HOST else 0):
            raise UsageError("A cluster needs at least one slot and one TaskManager (none "
                             "here only with --bind: TaskManagers on other hosts join it).")
        self.slots = slots
        self.taskmanagers = taskmanagers
        # A given name is checked before anything is touched: it becomes a folder's name.
        self.name = f"cluster-{secrets.token_hex(3)}" if name is None else check_name(name)
        self.options = dict(options or {})
        self.bind = bind
        self.jobmanager = jobmanager
        self.home = home
        self.rpc_port: int | None = None  # the JobManager's, for TaskManagers joining it
        self.address: ClusterAddress | None = None
        self.processes: list[ClusterProcess] = []
        self.lease: ClusterProcess | None = None
        #: Started for a detached job that outlives the kernel which started it (its lease
        #: stops it when the job ends); ``owner`` is that kernel, ``notebook`` its notebook.
        self.detached = False
        self.owner: ClusterProcess | None = None
        self.notebook: str | None = None
        self._children: list[subprocess.Popen] = []

    # -- where things are -------------------------------------------------
    @property
    def directory(self) -> Path:
        return cluster_folder(self.name)

    @property
    def log_dir(self) -> Path:
        return self.directory / "log"

    @property
    def outcome_file(self) -> Path:
        """Final job states, written by a jobs-ended lease before it stops the cluster."""
        return self.directory / "ended-jobs.json"

    def ended_jobs(self) -> dict[str, dict[str, Any]]:
        """``{job_id: {"state": ..., "failure": trace or None}}`` recorded by the lease."""
        try:
            return json.loads(self.outcome_file.read_text())
        except (OSError, ValueError):
            return {}

    @property
    def registry_file(self) -> Path:
        return record_file(self.name)

    @property
    def rest_url(self) -> str | None:
        """The REST API and web UI, e.g. ``http://127.0.0.1:40123``."""
        return self.address.url if self.address else None

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    # -- registry ---------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "slots": self.slots,
            "taskmanagers": self.taskmanagers,
            "host": self.address.host if self.address else None,
            "port": self.address.port if self.address else None,
            "scheme": self.address.scheme if self.address else None,
            "bind": self.bind,
            "rpc_port": self.rpc_port,
            "jobmanager": self.jobmanager,
            "processes": [asdict(p) for p in self.processes],
            "lease": asdict(self.lease) if self.lease else None,
            "detached": self.detached,
            "owner": asdict(self.owner) if self.owner else None,
            "notebook": self.notebook,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> LocalCluster:
        cluster = cls(record["slots"], record["taskmanagers"], record["name"],
                      bind=record.get("bind") or HOST, jobmanager=record.get("jobmanager"))
        cluster.rpc_port = record.get("rpc_port")
        if record.get("port"):
            cluster.address = ClusterAddress(record["host"], record["port"],
                                             record.get("scheme") or "http")
        cluster.processes = [ClusterProcess(**p) for p in record["processes"]]
        cluster.lease = ClusterProcess(**record["lease"]) if record.get("lease") else None
        cluster.detached = bool(record.get("detached"))
        cluster.owner = ClusterProcess(**record["owner"]) if record.get("owner") else None
        cluster.notebook = record.get("notebook")
        return cluster

    @classmethod
    def load(cls, name: str) -> LocalCluster:
        """The registered cluster called ``name``; UsageError if there is none."""
        path = record_file(name)
        if not path.is_file():
            known = ", ".join(c.name for c in cls.known()) or "none"
            raise UsageError(f"No cluster named {name!r} (known: {known}).")
        return cls.from_record(json.loads(path.read_text()))

    @classmethod
    def known(cls) -> list[LocalCluster]:
        """Every cluster in the registry, running or not, by name."""
        found = []
        for path in sorted(clusters_dir().glob("*.json")):
            try:
                found.append(cls.from_record(json.loads(path.read_text())))
            except (OSError, ValueError, KeyError, TypeError, UsageError):
                continue  # half-written by a concurrent start, or no name of ours
        return found

    def _write_record(self) -> None:
        write_whole(self.registry_file, json.dumps(self.to_record(), indent=2))

    # -- life cycle -------------------------------------------------------
    def status(self) -> str:
        """``running``, ``degraded`` (some processes gone), ``stopped`` or ``not started``."""
        for child in self._children:
            child.poll()  # reap our own exited children so they do not linger as zombies
        if not self.processes:
            return "not started"
        alive = [p.alive() for p in self.processes]
        if all(alive):
            return "running"
        return "degraded" if any(alive) else "stopped"

    def start(
        self, timeout: float = 90, owner_pid: int | None = None, until_job_ends: bool = False
    ) -> ClusterAddress | None:
        """Start the JobManager and TaskManagers; return the REST address once all registered
        (None for TaskManagers that join another host's JobManager: there is none here).

        With ``owner_pid``, a lease process stops the cluster when that process
        ends; with ``until_job_ends``, when the cluster's jobs have all ended, and not when
        its owner ends once a job runs there (a detached job outlives its kernel).
        """
        if self.processes:
            raise UsageError(f"Cluster {self.name} was already started.")
        if self.registry_file.exists() and LocalCluster.load(self.name).status() != "stopped":
            raise UsageError(
                f"A cluster named {self.name} is already running: "
                f"`flink-notebook cluster stop --name {self.name}` first."
            )
        from flink_notebook.core.java import ensure_java

        ensure_java()
        if self.bind != HOST:
            check_bind_address(self.bind)
        if self.jobmanager:
            # A JobManager that is not there would leave the TaskManagers retrying for
            # minutes: say so in seconds, before any JVM starts.
            check_reachable(*parse_jobmanager(self.jobmanager), "JobManager")
        # The ports are free when chosen, but another program (another cluster starting
        # beside it) may take one before Flink binds it: then start again on new ones,
        # unless the user chose them.
        pinned = any(key in self.options for key in _PORT_OPTIONS)
        self.detached = until_job_ends
        self.owner = None if owner_pid is None else ClusterProcess.of("owner", owner_pid)
        self.notebook = os.environ.get("JPY_SESSION_NAME") or None  # Jupyter sets it
        for attempt in range(_START_ATTEMPTS):
            env = self._prepare()
            if not self.jobmanager:
                self._spawn("jobmanager", env)
            for index in range(self.taskmanagers):
                self._spawn(f"taskmanager-{index}", env)
            self._write_record()
            if self.owner is not None or until_job_ends:
                self._start_lease(until_job_ends)
            try:
                self._wait_ready(timeout)
                return self.address
            except UsageError as exc:
                self.stop(remove_logs=False)
                if pinned or not isinstance(exc, PortTaken) or attempt + 1 == _START_ATTEMPTS:
                    raise
                self.processes, self.lease, self._children = [], None, []
            except BaseException:
                self.stop(remove_logs=False)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self, remove_logs: bool = True) -> None:
        """Stop every process of the cluster (SIGKILL after a grace period). Idempotent."""
        stop_processes(self.processes)
        if self.lease and self.lease.pid != os.getpid():
            stop_processes([self.lease], grace=2)
        for child in self._children:
            child.wait()
        self.registry_file.unlink(missing_ok=True)
        if remove_logs:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> LocalCluster:
        if not self.processes:
            self.start(owner_pid=os.getpid())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"LocalCluster({self.name!r}, slots={self.slots}, url={self.rest_url!r})"

    @property
    def rpc_address(self) -> str | None:
        """``HOST:RPCPORT`` of its JobManager: what TaskManagers on other hosts join."""
        if self.jobmanager:
            return self.jobmanager
        return f"{self.bind}:{self.rpc_port}" if self.rpc_port else None

    # -- start-up steps ---------------------------------------------------
    def _prepare(self) -> dict[str, str]:
        home = self.home or flink_home()
        shutil.rmtree(self.directory, ignore_errors=True)
        conf, lib = self.directory / "conf", self.directory / "lib"
        for folder in (conf, lib, self.log_dir):
            folder.mkdir(parents=True)
        # flink-python sits in opt/; TaskManagers need it in lib/ to run Python UDFs.
        for jar in [*(home / "lib").glob("*.jar"), *(home / "opt").glob("flink-python*.jar")]:
            (lib / jar.name).symlink_to(jar)
        log4j = (home / "conf" / "log4j-console.properties").read_text()
        (conf / "log4j-console.properties").write_text(log4j.replace(*_CONSOLE_LEVEL))
        shutil.copy(home / "conf" / "logback-console.xml", conf)

        settings = _flatten(yaml.safe_load((home / "conf" / "config.yaml").read_text()))
        bind = self.bind
        if self.jobmanager:
            jm_host, self.rpc_port = parse_jobmanager(self.jobmanager)
            jobmanager = {"jobmanager.rpc.address": jm_host, "jobmanager.rpc.port": self.rpc_port}
            port = None
        else:
            port, self.rpc_port = free_port(bind), free_port(bind)
            jobmanager = {
                "jobmanager.rpc.address": bind,
                "jobmanager.bind-host": bind,
                "jobmanager.rpc.port": self.rpc_port,
                "rest.address": bind,
                "rest.bind-address": bind,
                "rest.port": port,
            }
        settings.update(
            {
                **jobmanager,
                "taskmanager.bind-host": bind,
                "taskmanager.host": bind,
                "taskmanager.numberOfTaskSlots": self.slots,
                "parallelism.default": self.slots,
                "jobmanager.memory.process.size": "1024m",
                "taskmanager.memory.process.size": "1280m",
                "python.executable": sys.executable,
                "python.client.executable": sys.executable,
                # The views' per-operator figures (clusters/embedded.py says why).
                "metrics.fetcher.update-interval": METRICS_FETCH_INTERVAL,
                "web.refresh-interval": WEB_REFRESH_INTERVAL,
            }
        )
        settings.update(self.options)
        (conf / "config.yaml").write_text(yaml.safe_dump(settings, default_flow_style=False))
        https = str(settings.get("security.ssl.rest.enabled", "")).lower() == "true"
        self.address = None if port is None else ClusterAddress(
            bind, port, "https" if https else "http")
        inherited = dict(os.environ)
        if self.home is not None:
            # Another distribution: where the kernel's Flink is (PyFlink sets these when
            # its Java starts) must not lead its scripts to the kernel's opt/ and plugins/.
            for key in WHERE_FLINK_IS:
                inherited.pop(key, None)
        return {
            **inherited,
            "FLINK_CONF_DIR": str(conf),
            "FLINK_LOG_DIR": str(self.log_dir),
            "FLINK_LIB_DIR": str(lib),
            "FLINK_PID_DIR": str(self.directory),
        }

    def _spawn(self, role: str, env: dict[str, str]) -> None:
        script = "jobmanager.sh" if role == "jobmanager" else "taskmanager.sh"
        with open(self.log_dir / f"{role}.out", "wb") as out:
            # start-foreground execs java: the pid we get is the JVM's, and
            # its own session makes it the leader of a group we can signal.
            child = subprocess.Popen(
                ["bash", str((self.home or flink_home()) / "bin" / script), "start-foreground"],
                env=env,
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._children.append(child)
        self.processes.append(ClusterProcess.of(role, child.pid))

    def _start_lease(self, until_job_ends: bool) -> None:
        command = [sys.executable, "-m", "flink_notebook.clusters.lease",
                   str(self.registry_file)]
        if self.owner is not None:
            command += [
                "--owner-pid",
                str(self.owner.pid),
                "--owner-create-time",
                repr(self.owner.create_time),
            ]
        if until_job_ends:
            command.append("--until-job-ends")
        with open(self.log_dir / "lease.out", "wb") as out:
            child = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._children.append(child)
        self.lease = ClusterProcess.of("lease", child.pid)
        self._write_record()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            dead = [p for p in self.processes if not p.alive()]
            if dead:
                raise self._start_failure(
                    f"the {dead[0].role} exited{self._exit_status(dead[0])}", dead[0].role)
            if self.jobmanager:
                if self._registered() >= self.taskmanagers:
                    return
                if time.monotonic() > deadline:
                    raise self._start_failure(
                        f"not registered with the JobManager at {self.jobmanager} after "
                        f"{timeout:g} s", "taskmanager-0")
                time.sleep(0.5)
                continue
            try:
                overview = probe(self.rest_url, "/overview")
                # Usable means the slots are there: Flink lists a TaskManager a moment
                # before it reports its slots, and a job submitted then finds "0 free".
                if (overview.get("taskmanagers", 0) >= self.taskmanagers
                        and overview.get("slots-total", 0) >= self.slots * self.taskmanagers):
                    return
            except (httpx.HTTPError, ValueError):
                pass  # REST is not up yet
            if time.monotonic() > deadline:
                raise self._start_failure(f"not ready after {timeout:g} s", "jobmanager")
            time.sleep(_READY_POLL)

    def _exit_status(self, process: ClusterProcess) -> str:
        """`` with status N`` (``, killed by SIGKILL``) for a child of ours that exited."""
        child = next((c for c in self._children if c.pid == process.pid), None)
        code = None if child is None else child.poll()
        if code is None:
            return ""
        if code < 0:
            return f", killed by {signal.Signals(-code).name}"
        return f" with status {code}"

    def _registered(self) -> int:
        """How many of its TaskManagers have registered with the JobManager (their logs)."""
        return sum(path.read_text(errors="replace").count(_REGISTERED)
                   for path in self.log_dir.glob("*.log"))

    def _start_failure(self, what: str, role: str) -> UsageError:
        logs = [self.log_dir / f"{role}.out", *sorted(self.log_dir.glob("*.log"))]
        reason = failure_reason(logs)
        # Read from Java's log here, once: the start's retry decides by the error's type.
        kind = PortTaken if "BindException" in reason else UsageError
        return kind(f"Flink cluster {self.name} did not start ({what}): {reason} "
                    f"(logs: {self.log_dir})")
