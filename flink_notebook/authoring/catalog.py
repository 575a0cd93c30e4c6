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
from typing import Any

from flink_notebook.core.secrets import MASK, is_secret


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


class CatalogCache:
    """The session's catalog, read lazily and kept until :meth:`drop`."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._lock = threading.Lock()
        self._reader: Any = None
        self._names: CatalogNames | None = None
        self._tables: dict[tuple[str, str, str], TableInfo] = {}
        self._functions: tuple[tuple[str, ...], frozenset[str]] | None = None
        self._connectors: dict[str, Connector] | None = None
        #: Counts drops: a read that a drop overtook is not kept (it may predate a change).
        self._generation = 0

    # -- what is known ------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Whether reads can reach Java now (the session has started)."""
        return self._session.t_env is not None

    def names(self) -> CatalogNames:
        names, generation = self._names, self._generation
        if names is None:
            text = self._read("names")
            if text is None:
                return CatalogNames()
            names = parse_names(text)
            if generation == self._generation:
                self._names = names
        return names

    def table(self, catalog: str, database: str, name: str) -> TableInfo | None:
        key, generation = (catalog, database, name), self._generation
        found = self._tables.get(key)
        if found is None:
            text = self._read("table", catalog, database, name)
            if text is None:
                return None
            found = parse_table(key, text)
            if generation == self._generation:
                self._tables[key] = found
        return found

    def functions(self) -> tuple[tuple[str, ...], frozenset[str]]:
        """(every function name, the user's), as SHOW FUNCTIONS lists them."""
        functions, generation = self._functions, self._generation
        if functions is None:
            text = self._read("functions")
            if text is None:
                return (), frozenset()
            raw = json.loads(text)
            functions = tuple(raw["all"]), frozenset(raw["user"])
            if generation == self._generation:
                self._functions = functions
        return functions

    def connectors(self) -> dict[str, Connector]:
        connectors, generation = self._connectors, self._generation
        if connectors is None:
            text = self._read("connectors")
            if text is None:
                return {}
            connectors = parse_connectors(text)
            if generation == self._generation:
                self._connectors = connectors
        return connectors

    def drop(self, connectors: bool = False) -> None:
        """Forget what was read (the catalog may have changed); connectors only on request
        (they change with ADD JAR)."""
        self._generation += 1
        self._names, self._tables, self._functions = None, {}, None
        if connectors:
            self._connectors = None

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
            return getattr(self._reader, what)(self._session.t_env._j_tenv, *args)
        finally:
            self._lock.release()
