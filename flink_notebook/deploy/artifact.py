"""A deployment's artifact: the folder that holds everything its pipeline needs to run.

``<state dir>/deployments/<name>/v<version>/`` (mode 0700, files 0600: they hold
connector secrets in clear, as they must to run):

- ``pipeline.sql``: the INSERT or statement set, as written;
- ``ddl.sql``: ``CREATE`` of every table the plan reads or writes and every view the
  pipeline names, from the session's catalog (temporary ones too), views after what they
  read;
- ``options.json``: the Flink options set in the session (and the cell's);
- ``plan.json``: Flink's compiled plan (``COMPILE PLAN``), the topology that runs;
- ``deployment.json``: name, version, target, notebook and cell, tables, jars;
- ``jars/``: the jars added to the session (``ADD JAR``), when there are any.

What a person sees of it (:func:`shown`) has every secret masked.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flink_notebook.core.secrets import MASK, is_secret, mask_text, secret_values
from flink_notebook.core.state import state_dir

FILES = ("pipeline.sql", "ddl.sql", "options.json", "plan.json", "deployment.json")


@dataclass
class Artifact:
    """What a deployment version runs: its pipeline, DDL, options and compiled plan."""

    name: str
    version: int
    pipeline: str
    ddl: list[str]
    options: dict[str, str]
    plan: str
    target: str
    notebook: str | None = None
    cell: str | None = None
    tables: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)
    jars: list[str] = field(default_factory=list)
    flink_version: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    def secrets(self) -> frozenset[str]:
        """Every secret value it holds, to mask wherever one is quoted."""
        values = set(secret_values("\n".join([self.pipeline, *self.ddl])))
        values |= {v for k, v in self.options.items() if is_secret(k)}
        values |= _secret_option_values(json.loads(self.plan))
        return frozenset(v for v in values if v and v != MASK)


def folder_of(name: str, version: int) -> Path:
    """Where ``name`` ``version``'s artifact lives."""
    return state_dir() / "deployments" / name / f"v{version}"


def private_folder(path: Path) -> Path:
    """``path`` made (with its parents under the state directory) readable by this user
    only. A folder left by a version that failed before its records said so is replaced."""
    for parent in (path.parent.parent, path.parent):
        parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(parent, 0o700)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(mode=0o700)
    os.chmod(path, 0o700)  # whatever the umask
    return path


def write(artifact: Artifact, folder: Path) -> Path:
    """Write ``artifact``'s files into ``folder`` (made by :func:`private_folder`; Flink may
    have written ``plan.json`` there already), each 0600."""
    metadata = {k: v for k, v in asdict(artifact).items()
                if k not in ("pipeline", "ddl", "options", "plan")}
    texts = {
        "pipeline.sql": artifact.pipeline.rstrip() + ";\n",
        "ddl.sql": "".join(d.rstrip().rstrip(";") + ";\n\n" for d in artifact.ddl),
        "options.json": json.dumps(artifact.options, indent=2, sort_keys=True) + "\n",
        "plan.json": artifact.plan,
        "deployment.json": json.dumps(metadata, indent=2) + "\n",
    }
    for file, text in texts.items():
        _write_private(folder / file, text)
    return folder


def read(folder: Path) -> Artifact:
    """The artifact written in ``folder``."""
    metadata = json.loads((folder / "deployment.json").read_text())
    ddl = [d.strip() for d in (folder / "ddl.sql").read_text().split(";\n\n") if d.strip()]
    pipeline = (folder / "pipeline.sql").read_text().rstrip().rstrip(";")
    return Artifact(pipeline=pipeline, ddl=ddl,
                    options=json.loads((folder / "options.json").read_text()),
                    plan=(folder / "plan.json").read_text(), **metadata)


def shown(artifact: Artifact) -> str:
    """The artifact as text for a person (``show``): SQL, DDL, options and the plan's
    summary, every secret masked."""
    secrets = artifact.secrets()
    options = [f"  {k} = {MASK if is_secret(k) else mask_text(v, secrets)}"
               for k, v in sorted(artifact.options.items())]
    plan = json.loads(artifact.plan)
    nodes = [f"  {node.get('id')}: "
             + mask_text(node.get("description", node.get("type", "")), secrets)
             for node in plan.get("nodes", [])]
    parts = [
        f"{artifact.label} ({artifact.target}; from {artifact.notebook or 'an unnamed notebook'}"
        f", cell {artifact.cell or '?'})",
        "-- pipeline\n" + mask_text(artifact.pipeline, secrets) + ";",
        "-- tables and views\n" + "\n".join(mask_text(d, secrets) + ";" for d in artifact.ddl),
        "-- options\n" + ("\n".join(options) or "  (none set)"),
        f"-- compiled plan (Flink {plan.get('flinkVersion', '?')}), its nodes\n"
        + "\n".join(nodes),
    ]
    if artifact.jars:
        parts.append("-- jars\n" + "\n".join(f"  {j}" for j in artifact.jars))
    return "\n\n".join(parts)


def plan_tables(plan: dict) -> list[str]:
    """The identifier of every table a compiled plan reads or writes (sources, lookups,
    sinks), in the plan's order, once each."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            table = value.get("table")
            if isinstance(table, dict) and isinstance(table.get("identifier"), str):
                if table["identifier"] not in found:
                    found.append(table["identifier"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(plan)
    return found


def _secret_option_values(plan: Any) -> set[str]:
    """Values of secret options anywhere in a compiled plan (a table's resolved options)."""
    values: set[str] = set()
    if isinstance(plan, dict):
        for key, value in plan.items():
            if isinstance(value, str) and is_secret(key):
                values.add(value)
            else:
                values |= _secret_option_values(value)
    elif isinstance(plan, list):
        for item in plan:
            values |= _secret_option_values(item)
    return values


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file Flink wrote first (the plan) keeps Flink's mode otherwise
    with os.fdopen(fd, "w") as out:
        out.write(text)
