"""Building a deployment's artifact from the session: Flink compiles the pipeline's plan
into the artifact's folder, and the catalog gives the DDL of what the plan reads and writes
and of the views the pipeline names."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any

from flink_notebook.deploy.artifact import Artifact, plan_tables
from flink_notebook.engine.jars import forget_file
from flink_notebook.sql.statements import Statement, StatementKind, tokens

PLAN_FILE = "plan.json"


def compile_plan(t_env: Any, pipeline: Statement, folder: Path) -> str:
    """The compiled plan's JSON of ``pipeline`` (an INSERT or ``EXECUTE STATEMENT SET``).
    Flink's SQL error when a table is missing: its position is in :func:`compiling`'s
    statement."""
    if pipeline.kind is StatementKind.INSERT:
        return t_env.compile_plan_sql(pipeline.text).as_json_string()
    # compilePlanSql takes an INSERT only; a set compiles by COMPILE PLAN, into the folder
    t_env.execute_sql(compiling(pipeline, folder).text).collect().close()
    target = folder / PLAN_FILE
    forget_file(t_env, str(target))  # not one of the session's jars
    os.chmod(target, 0o600)
    return target.read_text()


def compiling(pipeline: Statement, folder: Path) -> Statement:
    """The statement that compiles ``pipeline``, positioned in the cell as ``pipeline`` is:
    Flink's errors in it point at the cell's lines and columns."""
    if pipeline.kind is StatementKind.INSERT:
        return pipeline
    quoted = str(folder / PLAN_FILE).replace("'", "''")
    prefix = f"COMPILE PLAN '{quoted}' FOR "
    rest = pipeline.text.split(None, 1)[1]  # STATEMENT SET BEGIN ... END
    moved = len(prefix) - (len(pipeline.text) - len(rest))  # how far line 1 moved right
    if pipeline.shift is None:
        shift = (1, 1, pipeline.column - 1 - moved)
    elif pipeline.shift[0] == 1:
        shift = (1, pipeline.shift[1] + moved, pipeline.shift[2] - moved)
    else:
        shift = pipeline.shift
    return dataclasses.replace(pipeline, text=prefix + rest, shift=shift)


def catalog_ddl(t_env: Any, plan: str, pipeline: str) -> tuple[list[str], list[str], list[str]]:
    """(DDL, tables, views): ``CREATE`` of each table in ``plan`` and each view named in
    ``pipeline`` (and the views those read), views after what they read."""
    tables = plan_tables(json.loads(plan))
    ddl = [_show_create(t_env, "TABLE", table) for table in tables]
    known = {name.lower(): name for name in t_env.list_views()}
    views: list[str] = []

    def visit(text: str) -> None:
        for word in dict.fromkeys(t.strip("`").lower() for t in tokens(text)):
            view = known.get(word)
            if view is not None and view not in views:
                views.append(view)
                create = _show_create(t_env, "VIEW", f"`{view.replace('`', '``')}`")
                visit(create)  # what it reads comes first
                ddl.append(create)

    visit(pipeline)
    return ddl, tables, views


def jars(t_env: Any) -> list[str]:
    """The jars added to the session (``ADD JAR``)."""
    return [str(row[0]) for row in t_env.execute_sql("SHOW JARS").collect()]


def copy_jars(paths: list[str], folder: Path) -> list[str]:
    """Each local jar of ``paths`` copied into ``folder/jars/`` (0600), named there by its
    path in the folder; a jar elsewhere (a remote file system's) by its URI."""
    kept = []
    for path in paths:
        local = Path(path.removeprefix("file://").removeprefix("file:"))
        if not local.is_file():
            kept.append(path)
            continue
        target = folder / "jars" / local.name
        target.parent.mkdir(mode=0o700, exist_ok=True)
        if target.exists():  # two jars of one name from different folders
            target = target.with_name(f"{len(kept)}-{local.name}")
        shutil.copyfile(local, target)
        os.chmod(target, 0o600)
        kept.append(str(target.relative_to(folder)))
    return kept


def artifact(t_env: Any, name: str, version: int, pipeline: Statement, folder: Path,
             options: dict[str, str], target: str, notebook: str | None, cell: str | None,
             flink_version: str | None) -> Artifact:
    """The artifact of ``pipeline`` as the session sees it now (its plan in ``folder``)."""
    plan = compile_plan(t_env, pipeline, folder)
    ddl, tables, views = catalog_ddl(t_env, plan, pipeline.text)
    return Artifact(name, version, pipeline.text, ddl, options, plan, target, notebook, cell,
                    tables, views, copy_jars(jars(t_env), folder), flink_version)


def _show_create(t_env: Any, kind: str, identifier: str) -> str:
    [row] = list(t_env.execute_sql(f"SHOW CREATE {kind} {identifier}").collect())
    return str(row[0]).rstrip()
