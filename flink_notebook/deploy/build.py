"""Building a deployment's artifact from the session: Flink compiles the pipeline's plan
into the artifact's folder, and the catalog gives the DDL of what the plan reads and writes
and of the views the pipeline names."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flink_notebook.deploy.artifact import Artifact, plan_tables
from flink_notebook.sql.statements import Statement, StatementKind, tokens

PLAN_FILE = "plan.json"


def compile_plan(t_env: Any, pipeline: Statement, folder: Path) -> str:
    """The compiled plan's JSON of ``pipeline`` (an INSERT or ``EXECUTE STATEMENT SET``),
    written by Flink to ``folder/plan.json``. Flink's SQL error when a table is missing."""
    target = folder / PLAN_FILE
    text = pipeline.text
    if pipeline.kind is StatementKind.STATEMENT_SET:
        text = text.split(None, 1)[1]  # COMPILE PLAN ... FOR STATEMENT SET BEGIN ... END
    quoted = str(target).replace("'", "''")
    t_env.execute_sql(f"COMPILE PLAN '{quoted}' FOR {text}").collect().close()
    os.chmod(target, 0o600)
    return target.read_text()


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


def artifact(t_env: Any, name: str, version: int, pipeline: Statement, folder: Path,
             options: dict[str, str], target: str, notebook: str | None, cell: str | None,
             flink_version: str | None) -> Artifact:
    """The artifact of ``pipeline`` as the session sees it now (its plan in ``folder``)."""
    plan = compile_plan(t_env, pipeline, folder)
    ddl, tables, views = catalog_ddl(t_env, plan, pipeline.text)
    return Artifact(name, version, pipeline.text, ddl, options, plan, target, notebook, cell,
                    tables, views, jars(t_env), flink_version)


def _show_create(t_env: Any, kind: str, identifier: str) -> str:
    [row] = list(t_env.execute_sql(f"SHOW CREATE {kind} {identifier}").collect())
    return str(row[0]).rstrip()
