"""The notebook's Configuration: typed options in layers.

Layers, lowest to highest priority: ``default`` < ``file`` < ``env`` <
``notebook`` (``%flink_config``, ``SET``) < ``cell`` (``-D``, ``--target``...).
Flink's own keys pass through to Flink unchanged; the notebook's own live
under ``notebook.*`` and are checked, with a suggestion for typos.
"""

from __future__ import annotations

import difflib
import html
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

LAYERS = ("default", "file", "env", "notebook", "cell")
ALIASES = {"executor.target": "execution.target"}
_SECRET_WORDS = ("password", "secret", "token", "authorization")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class ConfigOption:
    key: str
    type: type
    default: Any
    description: str
    choices: tuple[str, ...] | None = None
    minimum: float | None = None

    def parse(self, value: Any) -> Any:
        """The value as this option's type; UsageError saying what was expected."""
        if value is None:
            return None
        expected = {bool: "true or false", int: "an integer", float: "a number",
                    str: "a string"}[self.type]
        try:
            if self.type is bool:
                if isinstance(value, bool):
                    parsed: Any = value
                elif str(value).strip().lower() in _TRUE | _FALSE:
                    parsed = str(value).strip().lower() in _TRUE
                else:
                    raise ValueError
            elif self.type is int and isinstance(value, float) and not value.is_integer():
                raise ValueError
            else:
                parsed = self.type(value)
        except (TypeError, ValueError):
            raise UsageError(f"{self.key} expects {expected}, got {value!r}.") from None
        if self.minimum is not None and parsed < self.minimum:
            raise UsageError(f"{self.key} must be at least {self.minimum:g}, got {value!r}.")
        if self.choices and str(parsed).lower() not in self.choices:
            raise UsageError(
                f"{self.key} must be one of {', '.join(self.choices)}, got {value!r}."
            )
        return parsed.lower() if self.choices else parsed


_OPTIONS = [
    ConfigOption("execution.target", str, "local",
                 "where jobs run: local (embedded), remote, per-job or a plug-in target"),
    ConfigOption("execution.attached", bool, True,
                 "wait for the job in its cell (false: return a job handle at once)"),
    ConfigOption("parallelism.default", int, None,
                 "parallelism of the jobs (1 when unset)", minimum=1),
    ConfigOption("pipeline.name", str, None, "job name"),
    ConfigOption("execution.runtime-mode", str, None, "streaming, batch or automatic",
                 choices=("streaming", "batch", "automatic")),
    ConfigOption("rest.address", str, None, "REST address of a session cluster (remote)"),
    ConfigOption("rest.port", int, None, "REST port of a session cluster (remote)", minimum=1),
    ConfigOption("state.savepoints.dir", str, None, "default directory for savepoints"),
    ConfigOption("notebook.max-rows", int, 1000, "rows kept and shown per query", minimum=1),
    ConfigOption("notebook.refresh-interval", float, 0.3,
                 "seconds between updates of a live view", minimum=0.05),
    ConfigOption("notebook.verbose-errors", bool, False, "show full Java traces on errors"),
    ConfigOption("notebook.slots", int, 4, "task slots of the embedded cluster", minimum=1),
    ConfigOption("notebook.renderer", str, "auto",
                 "how jobs are drawn: auto, widget, html, text or zeppelin",
                 choices=("auto", "widget", "html", "text", "zeppelin")),
    ConfigOption("notebook.startup-timeout", float, 90.0,
                 "seconds to wait for a cluster to start", minimum=1),
]
OPTIONS: Mapping[str, ConfigOption] = {option.key: option for option in _OPTIONS}


def is_secret(key: str) -> bool:
    """Keys whose values are never printed or rendered."""
    return any(word in key.lower() for word in _SECRET_WORDS)


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
    """``["k=v", ...]`` as a dict; a bad item is a UsageError."""
    parsed = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"Expected key=value, got {item!r}.")
        parsed[canonical_key(key)] = value.strip()
    return parsed


def _flink_string(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class Configuration:
    """Layered, typed options. ``get`` gives the effective value."""

    def __init__(self, layers: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._observers: list[Callable[[str], None]] = []
        self._layers: dict[str, dict[str, Any]] = {name: {} for name in LAYERS}
        self._layers["default"] = {k: o.default for k, o in OPTIONS.items()
                                   if o.default is not None}
        for layer, values in (layers or {}).items():
            for key, value in values.items():
                self.set(key, value, layer)

    @classmethod
    def load(cls, environ: Mapping[str, str] = os.environ) -> Configuration:
        """Defaults, then the file (``$FLINK_NOTEBOOK_CONFIG`` or
        ``~/.flink-notebook/config.yaml``: ``key: value`` lines), then
        ``$FLINK_NOTEBOOK_OPTS`` (``key=value key=value``)."""
        configuration = cls()
        path = environ.get("FLINK_NOTEBOOK_CONFIG")
        file = Path(path) if path else Path.home() / ".flink-notebook" / "config.yaml"
        if path and not file.is_file():
            raise UsageError(f"FLINK_NOTEBOOK_CONFIG names {path}, which is not a file.")
        if file.is_file():
            for number, line in enumerate(file.read_text().splitlines(), 1):
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                key, sep, value = line.partition(":")
                if not sep:
                    raise UsageError(f"{file}:{number}: expected 'key: value', got {line!r}.")
                configuration.set(key, value.strip().strip("'\""), "file")
        for key, value in parse_assignments(environ.get("FLINK_NOTEBOOK_OPTS", "").split()).items():
            configuration.set(key, value, "env")
        return configuration

    def set(self, key: str, value: Any, layer: str = "notebook") -> None:
        key = canonical_key(key)
        option = OPTIONS.get(key)
        parsed = option.parse(value) if option else _flink_string(value)
        self._layers[layer][key] = parsed
        self._changed(key)

    def unset(self, key: str, layer: str = "notebook") -> None:
        key = canonical_key(key)
        if self._layers[layer].pop(key, None) is not None:
            self._changed(key)

    def observe(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(key)`` after every change (the configuration widget stays in sync)."""
        self._observers.append(callback)

    def _changed(self, key: str) -> None:
        for callback in list(self._observers):
            callback(key)

    def get(self, key: str) -> Any:
        key = ALIASES.get(key, key)
        for layer in reversed(LAYERS):
            if key in self._layers[layer]:
                return self._layers[layer][key]
        return None

    def source(self, key: str) -> str | None:
        key = ALIASES.get(key, key)
        for layer in reversed(LAYERS):
            if key in self._layers[layer]:
                return layer
        return None

    def with_cell(self, options: Mapping[str, Any]) -> Configuration:
        """A new Configuration with ``options`` as its cell layer (self is unchanged)."""
        copy = Configuration.__new__(Configuration)
        copy._observers = []
        copy._layers = {name: dict(values) for name, values in self._layers.items()}
        for key, value in options.items():
            copy.set(key, value, "cell")
        return copy

    def items(self) -> list[tuple[str, Any, str]]:
        keys = sorted({k for values in self._layers.values() for k in values})
        return [(k, self.get(k), self.source(k)) for k in keys]

    def flink_options(self) -> dict[str, str]:
        """Every set option Flink reads, as Flink strings."""
        return {
            key: _flink_string(value)
            for key, value, _ in self.items()
            if not key.startswith("notebook.")
            and key not in ("execution.target", "execution.attached")
        }

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(key, shown value, layer, description): every known option and every set key."""
        keys = sorted(set(OPTIONS) | {k for k, _, _ in self.items()})
        rows = []
        for key in keys:
            value = self.get(key)
            shown = "********" if is_secret(key) and value is not None else (
                "" if value is None else _flink_string(value))
            option = OPTIONS.get(key)
            rows.append((key, shown, self.source(key) or "", option.description if option
                         else "Flink option"))
        return rows

    def describe(self) -> str:
        rows = [("key", "value", "from", "description"), *self.rows()]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        return "\n".join(
            f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}"
            for r in rows
        )

    def __repr__(self) -> str:
        return self.describe()

    def _repr_html_(self) -> str:
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
            for row in self.rows()
        )
        return (
            "<table class='flink-config'><thead><tr><th>key</th><th>value</th><th>from</th>"
            f"<th>description</th></tr></thead><tbody>{body}</tbody></table>"
        )
