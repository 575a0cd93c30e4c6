"""The notebook's Configuration: typed options in layers.

Layers, lowest to highest priority: ``default`` < ``file`` < ``env`` <
``notebook`` (``%flink_config``, ``SET``) < ``cell`` (``-D``, ``--target``...).
Flink's own keys pass through to Flink unchanged; the notebook's own live
under ``notebook.*`` and are checked, with a suggestion for typos.
"""

from __future__ import annotations

import argparse
import difflib
import html
import math
import os
import re
import shlex
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from flink_notebook.core.secrets import MASK, is_secret, mask_text

LAYERS = ("default", "file", "env", "notebook", "cell")
ALIASES = {"executor.target": "execution.target"}
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
# YAML's rule: a comment starts at "#" at the line start or after whitespace, so
# "http://host/#anchor" keeps its anchor.
_COMMENT = re.compile(r"(^|\s)#.*$")


@dataclass(frozen=True)
class ConfigOption:
    """One known option: its type (bool, int, float or str), default and meaning."""

    key: str
    type: type
    default: Any
    description: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    #: For a string with a format: whether a value has it, and what error messages expect.
    check: Callable[[str], bool] | None = None
    check_expects: str = ""

    @property
    def expected(self) -> str:
        """What a valid value looks like, as said in error messages."""
        if self.check:
            return self.check_expects
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.type is bool:
            return "true or false"
        if self.type is int:
            return "a positive integer" if self.minimum == 1 else "an integer"
        if self.type is float:
            return f"a number of at least {self.minimum:g}" if self.minimum else "a number"
        return "a string"

    def parse(self, value: Any) -> Any:
        """The value as this option's type; UsageError saying what was expected."""
        parsed = self._convert(value)
        if parsed is None or (self.minimum is not None and parsed < self.minimum):
            raise UsageError(f"{self.key} expects {self.expected}, got {value!r}.")
        if self.check and not self.check(parsed):
            raise UsageError(f"{self.key} expects {self.expected}, got {value!r}.")
        if self.choices:
            parsed = parsed.lower()
            if parsed not in self.choices:
                raise UsageError(f"{self.key} expects {self.expected}, got {value!r}.")
        return parsed

    def _convert(self, value: Any) -> Any:
        """The converted value, or None when it is not of this option's type."""
        if self.type is bool:
            text = str(value).strip().lower()
            return text in _TRUE if text in _TRUE | _FALSE else None
        if self.type is str:
            return str(value).strip()
        if isinstance(value, bool):  # True is an int to Python, not to a user
            return None
        try:
            number = float(value) if self.type is float else _to_int(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None


_MEMORY = re.compile(r"(\d+)\s*([kmgt]?)(?:i?b)?", re.IGNORECASE)
_MEMORY_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
#: The smallest heap ``notebook.jvm-memory`` may give the kernel's JVM (Flink's planner and
#: the embedded cluster need about 150 MB before a job runs).
MIN_JVM_MEMORY_MB = 256


def memory_mb(text: Any) -> int | None:
    """A memory size as Flink writes them (``512m``, ``1g``, ``768 mb``; bytes without a
    unit) in whole MB, or None when it is not one."""
    match = _MEMORY.fullmatch(str(text).strip())
    if not match:
        return None
    return int(match.group(1)) * _MEMORY_UNITS[match.group(2).lower()] // 2**20


def seconds(text: str) -> float:
    """A ``--timeout``'s value: a positive, finite number of seconds. Otherwise argparse's
    type error says so (``nan`` would never fire, ``-1`` would cancel the job at once)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"expects a positive number of seconds, got {text!r}.")
    return value


def _to_int(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return int(value)


_OPTIONS = [
    ConfigOption(
        "execution.target",
        str,
        "local",
        "where jobs run: local (embedded), remote, per-job or a plug-in target",
    ),
    ConfigOption(
        "execution.attached",
        bool,
        True,
        "wait for the job in its cell (false: return a job handle at once)",
    ),
    ConfigOption(
        "parallelism.default", int, None, "parallelism of the jobs (1 when unset)", minimum=1
    ),
    ConfigOption("pipeline.name", str, None, "job name"),
    ConfigOption(
        "execution.runtime-mode",
        str,
        None,
        "streaming, batch or automatic",
        choices=("streaming", "batch", "automatic"),
    ),
    ConfigOption(
        "rest.address", str, None, "REST address of a session cluster (remote): a host or a URL"
    ),
    ConfigOption("rest.port", int, None, "REST port of a session cluster (remote)", minimum=1),
    ConfigOption("state.savepoints.dir", str, None, "default directory for savepoints"),
    ConfigOption("notebook.max-rows", int, 1000, "rows kept and shown per query", minimum=1),
    ConfigOption(
        "notebook.refresh-interval",
        float,
        0.3,
        "seconds between updates of a live view",
        minimum=0.05,
    ),
    ConfigOption("notebook.verbose-errors", bool, False, "show full Java traces on errors"),
    ConfigOption(
        "notebook.chart-window",
        float,
        300.0,
        "seconds of a time x axis a stream's chart keeps, back from its newest value (0: all;"
        " a bounded query's chart draws all)",
        minimum=0,
    ),
    ConfigOption("notebook.slots", int, 4, "task slots of the embedded cluster", minimum=1),
    ConfigOption("notebook.keep-jobs", int, 100,
                 "handles of the session's jobs kept for %flink_jobs and SHOW JOBS; older ended "
                 "ones are dropped (running ones always stay)", minimum=1),
    ConfigOption(
        "notebook.results-memory",
        str,
        "256m",
        "memory the rows of the kept jobs' results may hold together; beyond it the oldest "
        "ended results' rows are let go (a re-run cell's earlier rows always are)",
        check=lambda value: memory_mb(value) is not None,
        check_expects="a memory size, such as 256m or 1g (0: keep only the newest result)",
    ),
    ConfigOption(
        "notebook.jvm-memory",
        str,
        "512m",
        "heap (-Xmx) of the kernel's JVM, where the embedded cluster runs; that cluster's "
        "managed memory is a quarter of it and its network buffers an eighth (at least "
        "Flink's 128m and 64m). Read when Java starts: set it before the kernel starts",
        check=lambda value: (memory_mb(value) or 0) >= MIN_JVM_MEMORY_MB,
        check_expects=f"a memory size of at least {MIN_JVM_MEMORY_MB}m, such as 512m or 1g",
    ),
    ConfigOption(
        "notebook.class-archive",
        bool,
        True,
        "start the kernel's JVM with the class-data-sharing archive of this PyFlink and "
        "Java if there is one (flink-notebook class-archive writes it): a faster first "
        "cell. Read when Java starts",
    ),
    ConfigOption(
        "notebook.init-sql",
        str,
        None,
        "SQL files (separated by ',') run before the session's first cell, as sql-client.sh -i",
    ),
    ConfigOption(
        "notebook.cancel-with-savepoint",
        bool,
        False,
        "an interrupt, --timeout or Cancel stops the job with a savepoint (to "
        "state.savepoints.dir, else the state directory), or cancels it if that fails; "
        "--cancel-with-savepoint on a cell",
    ),
    ConfigOption(
        "notebook.resume",
        str,
        "off",
        "start a cell's job from the last savepoint of this cell's job (savepoint) or its "
        "latest completed checkpoint (checkpoint); --resume on a cell",
        choices=("off", "savepoint", "checkpoint"),
    ),
    ConfigOption(
        "notebook.renderer",
        str,
        "auto",
        "how jobs are drawn: auto, widget, html, text or zeppelin",
        choices=("auto", "widget", "html", "text", "zeppelin"),
    ),
    ConfigOption(
        "notebook.rest-headers",
        str,
        None,
        "HTTP headers for the cluster's REST API, 'Name: value' separated by ';' (never shown)",
    ),
    ConfigOption(
        "notebook.rest-verify",
        str,
        "true",
        "TLS certificate check of an https REST API: true, false or a CA bundle (PEM) path",
    ),
    ConfigOption(
        "notebook.startup-timeout", float, 60.0, "seconds to wait for a cluster to start", minimum=1
    ),
]
OPTIONS: Mapping[str, ConfigOption] = {option.key: option for option in _OPTIONS}


def canonical_key(key: str) -> str:
    """The key with aliases resolved; unknown ``notebook.*`` keys are refused."""
    key = ALIASES.get(key.strip(), key.strip())
    if not key:
        raise UsageError("An option needs a key, e.g. parallelism.default=2.")
    if key.startswith("notebook.") and key not in OPTIONS:
        known = [k for k in OPTIONS if k.startswith("notebook.")]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" Did you mean {close[0]}?" if close else f" Known: {', '.join(known)}."
        raise UsageError(f"Unknown option {key}.{hint}")
    return key


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["k=v", ...]`` as a dict with aliases resolved; a bad item is a UsageError."""
    parsed = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"Expected key=value, got {item!r}.")
        parsed[canonical_key(key)] = value.strip()
    return parsed


def environ_with_options(options: str, environ: Mapping[str, str] = os.environ
                         ) -> dict[str, str]:
    """``environ`` for a process of ours that gets ``options`` (``key=value`` words) on top
    of ``$FLINK_NOTEBOOK_OPTS``: later words win in ``Configuration.load``."""
    words = " ".join(filter(None, [environ.get("FLINK_NOTEBOOK_OPTS", ""), options]))
    return {**environ, "FLINK_NOTEBOOK_OPTS": words}


#: Flink's directory options: a value without a scheme made every later job fail at its
#: JobMaster's start ("The scheme ... is null"), so they are kept as URIs.
DIRECTORY_KEYS = ("state.savepoints.dir", "execution.checkpointing.savepoint-dir",
                  "state.checkpoints.dir", "execution.checkpointing.dir")
#: Where savepoints go (Flink 2 reads both names).
SAVEPOINT_DIR_KEYS = ("state.savepoints.dir", "execution.checkpointing.savepoint-dir")


def directory_uri(key: str, value: Any) -> str:
    """``value`` as a URI Flink accepts for the directory option ``key``: a plain path
    becomes a ``file://`` URI (a relative one is taken from the kernel's working
    directory first); a URI stays. UsageError, saying what to write, for a value that
    names no directory."""
    text = str(value).strip()
    example = f"e.g. {key}=/tmp/savepoints (or file:///tmp/savepoints, s3://bucket/dir)"
    if not text:
        raise UsageError(f"{key} needs a directory, {example}.")
    scheme = urllib.parse.urlsplit(text).scheme
    if len(scheme) <= 1:  # no scheme, or a Windows drive letter (C:\...)
        return Path(text).expanduser().absolute().as_uri()
    if scheme == "file":
        parts = urllib.parse.urlsplit(text)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            # file://tmp/x names the host "tmp"; file:tmp/x a relative path
            raise UsageError(f"{key}={text} is not an absolute file URI: write "
                             f"file:///{(parts.netloc + parts.path).lstrip('/')}, {example}.")
    return text


def savepoint_directory(configuration: Configuration) -> str | None:
    """The directory savepoints go to when none is named, None when none is set."""
    return next((configuration.get(key) for key in SAVEPOINT_DIR_KEYS
                 if configuration.get(key)), None)


def _flink_string(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _read_file(path: Path) -> dict[str, str]:
    """Flat ``key: value`` lines (Flink's config.yaml style, without nesting)."""
    values = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = _COMMENT.sub("", raw).rstrip()
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        value = value.strip()
        if not sep or not value or line[0].isspace():
            raise UsageError(
                f"{path}:{number}: expected a flat 'key: value' line "
                f"(e.g. parallelism.default: 2), got {raw.strip()!r}."
            )
        if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


class Configuration:
    """Layered, typed options. ``get`` gives the effective value."""

    def __init__(self, layers: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._observers: list[Callable[[str], None]] = []
        self._layers: dict[str, dict[str, Any]] = {name: {} for name in LAYERS}
        self._layers["default"] = {
            k: o.default for k, o in OPTIONS.items() if o.default is not None
        }
        for layer, values in (layers or {}).items():
            for key, value in values.items():
                self.set(key, value, layer)

    @classmethod
    def load(cls, environ: Mapping[str, str] = os.environ) -> Configuration:
        """Defaults, then the file (``$FLINK_NOTEBOOK_CONFIG``, else
        ``~/.flink-notebook/config.yaml`` if present: ``key: value`` lines), then
        ``$FLINK_NOTEBOOK_OPTS`` (``key=value key2='a value'``)."""
        configuration = cls()
        path = environ.get("FLINK_NOTEBOOK_CONFIG")
        if path:
            file = Path(path).expanduser()
            if not file.is_file():
                raise UsageError(f"FLINK_NOTEBOOK_CONFIG names {path}, which is not a file.")
        else:
            home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
            file = home / ".flink-notebook" / "config.yaml"
        if file.is_file():
            for key, value in _read_file(file).items():
                configuration.set(key, value, "file")
        try:
            words = shlex.split(environ.get("FLINK_NOTEBOOK_OPTS", ""))
        except ValueError as exc:
            raise UsageError(f"FLINK_NOTEBOOK_OPTS: {exc}.") from None
        for key, value in parse_assignments(words).items():
            configuration.set(key, value, "env")
        return configuration

    def set(self, key: str, value: Any, layer: str = "notebook") -> None:
        """Set ``key`` in ``layer``: parsed to the option's type (strings welcome) and
        checked; UsageError when it is not valid. None removes it from the layer."""
        key = canonical_key(key)
        if value is None:
            self.unset(key, layer)
            return
        option = OPTIONS.get(key)
        if key in DIRECTORY_KEYS:
            value = directory_uri(key, value)
        self._layers[layer][key] = option.parse(value) if option else _flink_string(value)
        self._changed(key)

    def unset(self, key: str, layer: str = "notebook") -> None:
        """Remove ``key`` from ``layer``; a lower layer's value shows through again."""
        key = canonical_key(key)
        if key in self._layers[layer]:
            del self._layers[layer][key]
            self._changed(key)

    def observe(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(key)`` after every change (the configuration widget stays in sync)."""
        self._observers.append(callback)

    def unobserve(self, callback: Callable[[str], None]) -> None:
        """Stop calling ``callback`` (a replaced form lets go of the configuration)."""
        if callback in self._observers:
            self._observers.remove(callback)

    def _changed(self, key: str) -> None:
        for callback in list(self._observers):
            callback(key)

    def get(self, key: str) -> Any:
        """The effective, typed value of ``key`` (aliases resolved), None when unset."""
        layer = self.source(key)
        return None if layer is None else self._layers[layer][ALIASES.get(key, key)]

    def source(self, key: str) -> str | None:
        """The layer the effective value of ``key`` comes from, None when unset."""
        key = ALIASES.get(key, key)
        for layer in reversed(LAYERS):
            if key in self._layers[layer]:
                return layer
        return None

    def with_cell(self, options: Mapping[str, Any]) -> Configuration:
        """A new Configuration with ``options`` added to its cell layer (self is unchanged)."""
        copy = Configuration.__new__(Configuration)
        copy._observers = []
        copy._layers = {name: dict(values) for name, values in self._layers.items()}
        for key, value in options.items():
            copy.set(key, value, "cell")
        return copy

    def items(self) -> list[tuple[str, Any, str]]:
        """Every set key as (key, effective value, layer), sorted by key."""
        keys = sorted({k for values in self._layers.values() for k in values})
        return [(k, self.get(k), self.source(k)) for k in keys]

    def flink_options(self) -> dict[str, str]:
        """Every set option Flink reads, as Flink strings ("true", "4")."""
        return {
            key: _flink_string(value)
            for key, value, _ in self.items()
            if not key.startswith("notebook.")
            and key not in ("execution.target", "execution.attached")
        }

    def shown(self, key: str) -> str:
        """The effective value of ``key`` as text for a person: secrets masked, empty when
        unset."""
        return _shown(canonical_key(key), self.get(canonical_key(key)))

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """(key, value, layer, default, description) for every known option and every set
        key, as shown text: secrets masked, unset values empty."""
        keys = sorted(set(OPTIONS) | {k for k, _, _ in self.items()})
        rows = []
        for key in keys:
            value = self.get(key)
            option = OPTIONS.get(key)
            default = "" if option is None or option.default is None else option.default
            rows.append(
                (
                    key,
                    _shown(key, value),
                    self.source(key) or "",
                    _shown(key, default),
                    option.description if option else "Flink option",
                )
            )
        return rows

    def describe(self) -> str:
        """The ``%flink_config`` table as text: each option, its value, the layer it comes
        from, its default and what it does."""
        rows = [("key", "value", "layer", "default", "description"), *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4]
            for row in rows
        )

    def __repr__(self) -> str:
        return self.describe()

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{name}</th>" for name in ("key", "value", "layer", "default", "description")
        )
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows()
        )
        return (
            f"<table class='flink-config'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    # A URL's password too (rest.address=http://user:password@host)
    return MASK if is_secret(key) else mask_text(_flink_string(value))
