"""The session's catalog as completion and the catalog browser read it: names, a table's
columns and options, functions, connectors and their options. Read through
``engine/jvm/CatalogReader.java`` (one JSON string per read) and cached until the catalog
may have changed (:meth:`CatalogCache.drop`, after each cell).

Reads never start a job and never start Java: before the session runs, or while another
thread holds the session, the cache answers with what it has (maybe nothing)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from html import unescape
from typing import Any, Callable

from flink_notebook.core.secrets import MASK, is_secret
from flink_notebook.engine.internals import java_table_env


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    kind: str = "physical"  # physical | computed | metadata
    extras: str | None = None  # "AS expr" of a computed column, "METADATA ..." of a metadata one
    time: str | None = None  # "rowtime" | "proctime" for time attributes
    comment: str | None = None


@dataclass(frozen=True)
class TableInfo:
    """What a table or view is made of; ``error`` when it could not be read."""

    name: tuple[str, str, str]
    kind: str = "TABLE"  # TABLE | VIEW | MATERIALIZED_TABLE
    temporary: bool = False
    columns: tuple[Column, ...] = ()
    primary_key: tuple[str, ...] = ()
    watermarks: tuple[tuple[str, str], ...] = ()  # (column, expression)
    options: dict[str, str] = field(default_factory=dict)  # secrets masked
    comment: str | None = None
    error: str | None = None

    @property
    def connector(self) -> str | None:
        return self.options.get("connector")


@dataclass(frozen=True)
class Database:
    name: str
    tables: tuple[str, ...] = ()
    views: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class CatalogNames:
    """Every catalog, database, table and view name, and the current catalog and database."""

    current: tuple[str, str] = ("default_catalog", "default_database")
    catalogs: dict[str, tuple[Database, ...]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # catalog -> why it did not list

    def databases(self, catalog: str) -> tuple[Database, ...]:
        return self.catalogs.get(catalog, ())

    def database(self, catalog: str, database: str) -> Database | None:
        return next((d for d in self.databases(catalog) if d.name == database), None)


@dataclass(frozen=True)
class OptionInfo:
    key: str
    required: bool
    default: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Connector:
    name: str
    source: bool
    sink: bool
    options: tuple[OptionInfo, ...] = ()


def parse_names(text: str) -> CatalogNames:
    raw = json.loads(text)
    catalogs: dict[str, tuple[Database, ...]] = {}
    errors: dict[str, str] = {}
    for entry in raw["catalogs"]:
        if "error" in entry:
            errors[entry["name"]] = entry["error"]
            continue
        catalogs[entry["name"]] = tuple(
            Database(d["name"], tuple(d.get("tables", ())), tuple(d.get("views", ())),
                     d.get("error"))
            for d in entry["databases"])
    return CatalogNames(tuple(raw["current"]), catalogs, errors)


def parse_table(name: tuple[str, str, str], text: str) -> TableInfo:
    raw = json.loads(text)
    if "error" in raw:
        return TableInfo(name, error=raw["error"])
    return TableInfo(
        name,
        kind=raw["kind"],
        temporary=raw["temporary"],
        columns=tuple(Column(c["name"], c["type"], c["kind"], c.get("extras"), c.get("time"),
                             c.get("comment")) for c in raw["columns"]),
        primary_key=tuple(raw["primary_key"]),
        watermarks=tuple((w["column"], w["expression"]) for w in raw["watermarks"]),
        options={key: MASK if is_secret(key) else value
                 for key, value in raw["options"].items()},
        comment=raw.get("comment") or None,
    )


def parse_connectors(text: str) -> dict[str, Connector]:
    found = {}
    for name, raw in json.loads(text).items():
        options = tuple(
            OptionInfo(o["key"], required, o.get("default"), _plain(o.get("description", "")))
            for required, kind in ((True, "required"), (False, "optional"))
            for o in raw.get(kind, ()))
        found[name] = Connector(name, raw["source"], raw["sink"], options)
    return found


def _plain(html: str) -> str:
    """Flink's option descriptions come as HTML; completion shows them as one line of text."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


_UNREAD = object()


def _parse_functions(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    raw = json.loads(text)
    return tuple(raw["all"]), frozenset(raw["user"])


class CatalogCache:
    """The session's catalog, read lazily and kept until :meth:`drop`."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._lock = threading.Lock()
        self._reader: Any = None
        #: What was read, by what was asked: ("names",), ("table", catalog, database, name),
        #: ("functions",), ("connectors",).
        self._known: dict[tuple[str, ...], Any] = {}
        #: Counts drops: a read that a drop overtook is not kept (it may predate a change).
        self._generation = 0

    # -- what is known ------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Whether reads can reach Java now (the session has started)."""
        return self._session.t_env is not None

    def names(self) -> CatalogNames:
        return self._cached(("names",), parse_names, CatalogNames())

    def table(self, catalog: str, database: str, name: str) -> TableInfo | None:
        key = (catalog, database, name)
        return self._cached(("table", *key), lambda text: parse_table(key, text), None)

    def functions(self) -> tuple[tuple[str, ...], frozenset[str]]:
        """(every function name, the user's), as SHOW FUNCTIONS lists them."""
        return self._cached(("functions",), _parse_functions, ((), frozenset()))

    def connectors(self) -> dict[str, Connector]:
        return self._cached(("connectors",), parse_connectors, {})

    def drop(self, connectors: bool = False) -> None:
        """Forget what was read (the catalog may have changed); connectors only on request
        (they change with ADD JAR)."""
        self._generation += 1
        kept = None if connectors else self._known.get(("connectors",))
        self._known = {} if kept is None else {("connectors",): kept}

    def _cached(self, key: tuple[str, ...], parse: Callable[[str], Any], empty: Any) -> Any:
        """What ``key`` read last, else read it now (``empty`` when it cannot be read)."""
        generation = self._generation
        known = self._known.get(key, _UNREAD)
        if known is not _UNREAD:
            return known
        text = self._read(*key)
        if text is None:
            return empty
        value = parse(text)
        if generation == self._generation:
            self._known[key] = value
        return value

    # -- reading ----------------------------------------------------------------
    def _read(self, what: str, *args: str) -> str | None:
        """One read through Java, or None when Java is not there, or another read (the
        background warm-up) holds the reader longer than a completion can wait."""
        if not self.ready or not self._lock.acquire(timeout=0.15):
            return None
        try:
            if self._reader is None:
                from flink_notebook.engine.java_classes import java_class, new_instance

                gateway = self._session.gateway
                self._reader = new_instance(gateway, java_class(gateway, "CatalogReader"))
            return getattr(self._reader, what)(java_table_env(self._session.t_env), *args)
        finally:
            self._lock.release()
