"""Deployments' records: one SQLite database in the state directory (Python's ``sqlite3``),
shared by every kernel and the command line.

Tables: ``deployments`` (a name), ``versions`` (each deploy of a name: its artifact, target,
notebook and cell), ``jobs`` (a version's Flink job: cluster, REST address, last known
state), ``savepoints`` and ``outcomes`` (what happened, in order: deployed, refused, failed,
stopped). Every change is one ``BEGIN IMMEDIATE`` transaction: two kernels deploying the
same name at once take turns, the second finds the first's version being deployed and is
refused with one line, and both attempts are written down.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
from IPython.core.error import UsageError

from flink_notebook.core.state import state_dir
from flink_notebook.core.states import TERMINAL

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deployments (
    name TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS versions (
    name TEXT NOT NULL REFERENCES deployments(name), version INTEGER NOT NULL,
    created REAL NOT NULL, status TEXT NOT NULL, pid INTEGER, artifact TEXT, target TEXT,
    notebook TEXT, cell TEXT, PRIMARY KEY (name, version));
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL, cluster TEXT,
    rest_url TEXT, state TEXT, started REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS savepoints (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL, job_id TEXT,
    path TEXT NOT NULL, taken REAL NOT NULL);
CREATE TABLE IF NOT EXISTS outcomes (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, version INTEGER, job_id TEXT,
    at REAL NOT NULL, event TEXT NOT NULL, detail TEXT);
"""
#: How long a writer waits for another's transaction (a deploy holds it for milliseconds).
BUSY_SECONDS = 30.0
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: A version's status while its kernel builds and submits it, and after.
DEPLOYING, SUBMITTED, FAILED = "deploying", "submitted", "failed"


def check_name(name: str) -> str:
    """``name`` when it can name a deployment (a folder and a job name, never a path)."""
    if not _NAME.match(name or "") or name in (".", ".."):
        raise UsageError(f"A deployment's name is letters, digits, '_', '.' and '-' "
                         f"(at most 64, starting with a letter or digit), got {name!r}.")
    return name


@dataclass(frozen=True)
class Version:
    """One deploy of a name, with its job as last known (None before it was submitted)."""

    name: str
    version: int
    created: float
    status: str
    artifact: str | None
    target: str | None
    notebook: str | None
    cell: str | None
    job_id: str | None = None
    cluster: str | None = None
    rest_url: str | None = None
    state: str | None = None
    savepoint: str | None = None
    pid: int | None = None  #: the process that deploys or deployed it

    @property
    def label(self) -> str:
        """``orders v2``: the deployment's job name too."""
        return f"{self.name} v{self.version}"

    @property
    def running(self) -> bool:
        """Its job is, as last known, not over."""
        return self.status == SUBMITTED and self.state is not None and \
            self.state not in TERMINAL


class Records:
    """The deployments database (``<state dir>/deployments.sqlite``, made on first use)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / "deployments.sqlite"

    @contextlib.contextmanager
    def _transaction(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise self._unwritable(exc) from None
        try:
            db.row_factory = sqlite3.Row
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            if write:
                for table in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(table)  # executescript would commit the transaction
            yield db
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            if "no such table" in str(exc) and not write:
                raise _Empty() from None
            raise self._unwritable(exc) from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)  # the records name secrets' whereabouts: this user's

    def _unwritable(self, exc: BaseException) -> UsageError:
        reason = getattr(exc, "strerror", None) or str(exc)
        return UsageError(f"Cannot write the deployments' records in {self.path.parent} "
                          f"({reason}): set FLINK_NOTEBOOK_STATE_DIR to a writable directory.")

    def reserve(self, name: str, notebook: str | None, cell: str | None,
                target: str, upgrading: bool = False) -> int:
        """The next version of ``name``, written down as being deployed by this process.
        UsageError when another process deploys it right now, or its job runs and this is
        no upgrade (both written down as refused)."""
        check_name(name)
        refusal = None
        with self._transaction() as db:
            now = time.time()
            last = _latest(db, name)
            if last is not None and last.status == DEPLOYING and _alive(last.pid):
                refusal = (f"{name} is being deployed right now by another kernel "
                           f"(process {last.pid}, v{last.version}): wait for it, then "
                           f"`%flink_deploy list`.")
            elif last is not None and last.running and not upgrading:
                refusal = (f"{name} v{last.version} runs (job {last.job_id}, {last.state}): "
                           f"`%%flink_deploy {name} --upgrade`, or `%flink_deploy stop "
                           f"{name}` first.")
            if refusal is not None:
                db.execute("INSERT INTO outcomes (name, version, at, event, detail) "
                           "VALUES (?, ?, ?, 'refused', ?)", (name, None, now, refusal))
            else:
                if last is not None and last.status == DEPLOYING:  # its kernel died
                    db.execute("UPDATE versions SET status = ? WHERE name = ? AND version = ?",
                               (FAILED, name, last.version))
                db.execute("INSERT OR IGNORE INTO deployments VALUES (?, ?)", (name, now))
                version = db.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM versions "
                                     "WHERE name = ?", (name,)).fetchone()[0]
                db.execute("INSERT INTO versions VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)",
                           (name, version, now, DEPLOYING, os.getpid(), target, notebook, cell))
                db.execute("INSERT INTO outcomes (name, version, at, event) "
                           "VALUES (?, ?, ?, 'reserved')", (name, version, now))
        if refusal is not None:
            raise UsageError(refusal)
        return version

    def submitted(self, name: str, version: int, artifact: str, job_id: str,
                  cluster: str | None, rest_url: str, state: str = "CREATED") -> None:
        """``name`` ``version`` runs as ``job_id``."""
        with self._transaction() as db:
            now = time.time()
            db.execute("UPDATE versions SET status = ?, artifact = ? WHERE name = ? AND "
                       "version = ?", (SUBMITTED, artifact, name, version))
            db.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (job_id, name, version, cluster, rest_url, state, now, now))
            db.execute("INSERT INTO outcomes (name, version, job_id, at, event) "
                       "VALUES (?, ?, ?, ?, 'deployed')", (name, version, job_id, now))

    def restarted(self, name: str, version: int, job_id: str, cluster: str | None,
                  rest_url: str, event: str, detail: str | None = None) -> None:
        """An existing version of ``name`` runs again as ``job_id`` (a rollback, or the
        previous version restored after a failed upgrade: ``event``)."""
        with self._transaction() as db:
            now = time.time()
            db.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, 'CREATED', ?, ?)",
                       (job_id, name, version, cluster, rest_url, now, now))
            db.execute("INSERT INTO outcomes (name, version, job_id, at, event, detail) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (name, version, job_id, now, event, detail))

    def outcome(self, name: str, version: int | None, event: str, detail: str | None = None,
                job_id: str | None = None) -> None:
        """Write down what happened to ``name`` (``event``: upgraded, refused, ...)."""
        with self._transaction() as db:
            db.execute("INSERT INTO outcomes (name, version, job_id, at, event, detail) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (name, version, job_id, time.time(), event,
                                                     detail))

    def versions(self, name: str) -> list[Version]:
        """Every version of ``name``, oldest first, each with its newest job."""
        try:
            with self._transaction(write=False) as db:
                found = [r["version"] for r in db.execute(
                    "SELECT version FROM versions WHERE name = ? ORDER BY version", (name,))]
                return [v for v in (_latest(db, name, n) for n in found) if v is not None]
        except _Empty:
            return []

    def newest_savepoint(self, name: str) -> tuple[int, str] | None:
        """(version, path) of ``name``'s newest savepoint, None when it has none."""
        try:
            with self._transaction(write=False) as db:
                row = db.execute("SELECT version, path FROM savepoints WHERE name = ? "
                                 "ORDER BY id DESC LIMIT 1", (name,)).fetchone()
                return (row["version"], row["path"]) if row else None
        except _Empty:
            return None

    def history(self, name: str) -> list[tuple[float, str, int | None, str, str]]:
        """What happened to ``name``, oldest first: (when, what, version, job, detail), from
        its versions, jobs, savepoints and outcomes."""
        try:
            with self._transaction(write=False) as db:
                rows = [(r["created"], "version", r["version"], "",
                         f"{r['status']} {r['target'] or ''} {r['notebook'] or ''} "
                         f"{r['cell'] or ''}".strip())
                        for r in db.execute("SELECT * FROM versions WHERE name = ?", (name,))]
                rows += [(r["started"], "job", r["version"], r["job_id"],
                          f"{r['state']} {r['cluster'] or r['rest_url'] or ''}".strip())
                         for r in db.execute("SELECT * FROM jobs WHERE name = ?", (name,))]
                rows += [(r["taken"], "savepoint", r["version"], r["job_id"] or "", r["path"])
                         for r in db.execute("SELECT * FROM savepoints WHERE name = ?",
                                             (name,))]
                rows += [(r["at"], r["event"], r["version"], r["job_id"] or "",
                          r["detail"] or "")
                         for r in db.execute("SELECT * FROM outcomes WHERE name = ? "
                                             "ORDER BY id", (name,))]
        except _Empty:
            return []
        return sorted(rows, key=lambda r: r[0])

    def failed(self, name: str, version: int, detail: str, event: str = "failed") -> None:
        """``name`` ``version`` did not start (``detail``: its masked one-line error;
        ``event``: failed, or refused)."""
        with self._transaction() as db:
            db.execute("UPDATE versions SET status = ? WHERE name = ? AND version = ?",
                       (FAILED, name, version))
            db.execute("INSERT INTO outcomes (name, version, at, event, detail) "
                       "VALUES (?, ?, ?, ?, ?)", (name, version, time.time(), event, detail))

    def job_state(self, job_id: str, state: str, event: str | None = None,
                  detail: str | None = None) -> None:
        """The job's state as just seen (with ``event``: also an outcome, e.g. stopped)."""
        with self._transaction() as db:
            row = db.execute("SELECT name, version, state FROM jobs WHERE job_id = ?",
                             (job_id,)).fetchone()
            if row is None or (row["state"] == state and event is None):
                return
            now = time.time()
            db.execute("UPDATE jobs SET state = ?, updated = ? WHERE job_id = ?",
                       (state, now, job_id))
            if event is not None:
                db.execute("INSERT INTO outcomes (name, version, job_id, at, event, detail) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           (row["name"], row["version"], job_id, now, event, detail))

    def savepoint(self, job_id: str, path: str) -> None:
        """A savepoint of ``job_id`` at ``path``."""
        with self._transaction() as db:
            row = db.execute("SELECT name, version FROM jobs WHERE job_id = ?",
                             (job_id,)).fetchone()
            db.execute("INSERT INTO savepoints (name, version, job_id, path, taken) "
                       "VALUES (?, ?, ?, ?, ?)", (row["name"], row["version"], job_id, path,
                                                  time.time()))

    def latest(self) -> list[Version]:
        """Each deployment's newest version, by name."""
        try:
            with self._transaction(write=False) as db:
                names = [r["name"] for r in db.execute("SELECT name FROM deployments "
                                                       "ORDER BY name")]
                return [v for v in (_latest(db, n) for n in names) if v is not None]
        except _Empty:
            return []

    def get(self, name: str) -> Version | None:
        """``name``'s newest version, None when there is none."""
        try:
            with self._transaction(write=False) as db:
                return _latest(db, name)
        except _Empty:
            return None

    def find(self, name: str) -> Version:
        """``name``'s newest version; UsageError naming the known ones when there is none."""
        found = self.get(name)
        if found is None:
            known = ", ".join(v.name for v in self.latest()) or "none yet"
            raise UsageError(f"No deployment named {name!r} (known: {known}); "
                             f"`%%flink_deploy {name}` makes one.")
        return found

    def outcomes(self, name: str) -> list[tuple[float, int | None, str, str | None]]:
        """What happened to ``name``, oldest first: (when, version, event, detail)."""
        try:
            with self._transaction(write=False) as db:
                return [(r["at"], r["version"], r["event"], r["detail"]) for r in db.execute(
                    "SELECT at, version, event, detail FROM outcomes WHERE name = ? "
                    "ORDER BY id", (name,))]
        except _Empty:
            return []


class _Empty(Exception):
    """Nothing was ever deployed here (no tables yet): reading needs no write."""


def _latest(db: sqlite3.Connection, name: str, version: int | None = None
            ) -> Version | None:
    """``name``'s current version (the newest one, or the one whose job started last; a
    version that failed before its job started does not hide a job that runs), or
    ``version`` with its newest job."""
    row = db.execute(
        "SELECT v.*, j.job_id, j.cluster, j.rest_url, j.state, "
        "  (SELECT path FROM savepoints s WHERE s.name = v.name AND s.version = v.version "
        "   ORDER BY s.id DESC LIMIT 1) AS savepoint "
        "FROM versions v LEFT JOIN jobs j ON j.name = v.name AND j.version = v.version "
        "WHERE v.name = ? AND (? IS NULL OR v.version = ?) "
        "ORDER BY (j.started IS NULL AND v.status = 'failed' AND EXISTS (SELECT 1 FROM jobs r "
        f"  WHERE r.name = v.name AND r.state NOT IN ({', '.join('?' * len(TERMINAL))}))), "
        "COALESCE(j.started, v.created) DESC, v.version DESC LIMIT 1",
        (name, version, version, *sorted(TERMINAL))).fetchone()
    if row is None:
        return None
    return Version(row["name"], row["version"], row["created"], row["status"], row["artifact"],
                   row["target"], row["notebook"], row["cell"], row["job_id"], row["cluster"],
                   row["rest_url"], row["state"], row["savepoint"], row["pid"])


def _alive(pid: int | None) -> bool:
    return pid is not None and psutil.pid_exists(pid)
