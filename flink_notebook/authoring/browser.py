"""``%flink_catalog``: the session's catalog as a tree of catalogs, databases, tables, views
and functions.

One tree (:func:`catalog_tree`, its nodes read what they hold only when opened) drawn three
ways: ipywidgets whose nodes load when first opened (:class:`CatalogBrowser`), nested
``<details>`` (:func:`catalog_html`) and indented text (:func:`catalog_text`). Every value
is HTML-escaped, and the values of secret options are masked here again, whatever read
them. A table's button asks the frontend for a new ``%%flink_sql`` cell reading its first
rows (:func:`query_cell`, sent by :func:`insert_cell`).
"""

from __future__ import annotations

import html
import logging
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Union

from IPython.core.error import UsageError

from flink_notebook.authoring.catalog import CatalogNames, Column, Database, TableInfo
from flink_notebook.authoring.keywords import quote_identifier
from flink_notebook.core.secrets import MASK, is_secret, mask_text
from flink_notebook.display.widget_view import widget_view

if TYPE_CHECKING:
    from flink_notebook.engine.session import FlinkSession

log = logging.getLogger(__name__)

#: The comm target a frontend registers to put a table's name in a new cell.
INSERT_CELL_TARGET = "flink-notebook-insert-cell"
#: Tables and views shown per database; the rest are counted (the widget adds them on request).
LIMIT = 200

_MUTED, _RED = "#6e7781", "#cf222e"


@dataclass
class Node:
    """One node of the tree. ``load`` gives what it holds (read when it is first opened):
    child nodes, a table's details, a line of text, or None when it cannot be read now."""

    name: str
    note: str = ""  # what it is: "table", "3 databases", "current"...
    error: str | None = None
    opened: bool = False  # open at first: the current catalog and database, the scope
    load: Callable[[], Contents] | None = None
    #: What it holds are details (a table's, the built-in functions' names), left out where
    #: only the names are drawn.
    detail: bool = False
    in_text: bool = True  # the text form shows what it holds (not 250 built-in names)
    insert: str | None = None  # the qualified name its button queries in a new cell


Contents = Union[list[Node], TableInfo, str, None]


# -- names ------------------------------------------------------------------------------
def qualified_name(*parts: str) -> str:
    """``catalog.database.table``, each part quoted where needed."""
    return ".".join(quote_identifier(part) for part in parts)


def split_identifier(text: str) -> list[str]:
    """``a.b``, ```my.cat`.db`` or ```a``b``` as its parts (a UsageError if a backtick is
    left open or a part is empty)."""
    parts, part, quoted, i = [], "", False, 0
    while i < len(text):
        char = text[i]
        if char == "`":
            if quoted and text[i + 1:i + 2] == "`":
                part, i = part + "`", i + 2
                continue
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append(part)
            part = ""
        else:
            part += char
        i += 1
    parts.append(part)
    if quoted or not all(p.strip() for p in parts):
        raise UsageError(f"Expected CATALOG or CATALOG.DATABASE, got {text!r}.")
    return [p.strip() for p in parts]


def resolve_scope(names: CatalogNames, scope: str | None) -> tuple[str | None, str | None]:
    """(catalog, database) that ``scope`` (``CATALOG[.DATABASE]``) names; an unknown one is
    a UsageError that lists the names there are."""
    if not scope or not scope.strip():
        return None, None
    parts = split_identifier(scope.strip())
    if len(parts) > 2:
        raise UsageError(f"Expected CATALOG or CATALOG.DATABASE, got {scope!r}.")
    catalog = parts[0]
    known = _catalog_names(names)
    if catalog not in known:
        raise UsageError(f"No catalog {catalog!r}. The catalogs are: {', '.join(known)}.")
    if len(parts) == 1:
        return catalog, None
    if catalog in names.errors:
        raise UsageError(f"Catalog {catalog!r} could not list its databases: "
                         f"{_clean(names.errors[catalog])}")
    databases = [d.name for d in names.databases(catalog)]
    if parts[1] not in databases:
        raise UsageError(f"No database {parts[1]!r} in catalog {catalog!r}. Its databases "
                         f"are: {', '.join(databases) or '(none)'}.")
    return catalog, parts[1]


def _catalog_names(names: CatalogNames) -> list[str]:
    return sorted(set(names.catalogs) | set(names.errors))


# -- the tree ---------------------------------------------------------------------------
def catalog_tree(cache: Any, catalog: str | None = None,
                 database: str | None = None) -> list[Node]:
    """The top nodes: every catalog (or only ``catalog``, or only its ``database``).
    ``cache`` is a :class:`~flink_notebook.authoring.catalog.CatalogCache` or anything with
    its ``names()``, ``table()`` and ``functions()``."""
    try:
        names = cache.names()
    except Exception as exc:  # the reader itself failed: say so instead of an empty tree
        return [Node("catalogs", error=_message(exc))]
    shown = [catalog] if catalog is not None else _catalog_names(names)
    if not shown:
        return [Node("no catalogs", note="none could be read now: run %flink_catalog again")]
    return [_catalog_node(cache, names, name, database, opened=catalog is not None)
            for name in shown]


def _catalog_node(cache: Any, names: CatalogNames, catalog: str, only: str | None,
                  opened: bool) -> Node:
    current = names.current[0] == catalog
    mark = " · current" if current else ""
    if catalog in names.errors:
        return Node(catalog, note="catalog" + mark, error=names.errors[catalog])
    databases = [d for d in names.databases(catalog) if only is None or d.name == only]

    def load() -> list[Node]:
        return [_database_node(cache, names, catalog, d, opened=only is not None)
                for d in databases]

    return Node(catalog, note=f"catalog · {_count(len(databases), 'database')}{mark}",
                opened=opened or current, load=load)


def _database_node(cache: Any, names: CatalogNames, catalog: str, database: Database,
                   opened: bool) -> Node:
    current = names.current == (catalog, database.name)
    mark = " · current" if current else ""
    if database.error:
        return Node(database.name, note="database" + mark, error=database.error)

    def load() -> list[Node]:
        objects = [(name, "table") for name in database.tables] + \
                  [(name, "view") for name in database.views]
        children = [Node(name, note=kind, detail=True,
                         insert=qualified_name(catalog, database.name, name),
                         load=lambda name=name: _read_table(cache, catalog, database.name, name))
                    for name, kind in objects[:LIMIT]]
        if len(objects) > LIMIT:
            children.append(Node(f"{len(objects) - LIMIT:,} more", note=(
                f"not shown: SHOW TABLES IN {qualified_name(catalog, database.name)} "
                "lists them")))
        if current:  # Flink lists the user's functions of the current database only
            children.append(_functions_node(cache))
        return children

    note = f"database · {_count(len(database.tables), 'table')}, " \
           f"{_count(len(database.views), 'view')}{mark}"
    return Node(database.name, note=note, opened=opened or current, load=load)


def _read_table(cache: Any, catalog: str, database: str, name: str) -> TableInfo | None:
    try:
        return cache.table(catalog, database, name)
    except Exception as exc:
        return TableInfo((catalog, database, name), error=_message(exc))


def _functions_node(cache: Any) -> Node:
    try:
        every, user = cache.functions()
    except Exception as exc:
        return Node("functions", error=_message(exc))
    built_in = sorted(set(every) - set(user), key=str.lower)
    children = [Node(name, note="user function") for name in sorted(user, key=str.lower)]
    children.append(Node("built-in", note=_count(len(built_in), "function"), detail=True,
                         in_text=False,
                         load=lambda: ", ".join(built_in) or "(none)"))
    return Node("functions", note=f"{len(user)} user, {len(built_in)} built-in",
                load=lambda: children)


def read_contents(node: Node) -> Contents:
    """What ``node`` holds (a node with the error if reading it fails)."""
    if node.load is None:
        return []
    try:
        return node.load()
    except Exception as exc:
        log.debug("reading %s failed", node.name, exc_info=True)
        return [Node("", error=_message(exc))]


def table_note(node: Node, info: TableInfo | None) -> str:
    """A table node's note once its details are read: kind, temporary, connector."""
    if info is None or info.error:
        return node.note
    parts = [{"TABLE": "table", "VIEW": "view"}.get(info.kind, info.kind.lower())]
    if info.temporary:
        parts.append("temporary")
    if info.connector:
        parts.append(f"connector {info.connector}")
    return " · ".join(parts)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _message(exc: BaseException) -> str:
    from flink_notebook.core.errors import java_error_summary

    return java_error_summary(exc)[0]


def _clean(text: str | None) -> str:
    """Free text from the catalog (an error, an expression, a comment): secret options in it
    masked."""
    return mask_text(text or "")


def _options(info: TableInfo) -> list[tuple[str, str]]:
    return [(key, MASK if is_secret(key) else _clean(value))
            for key, value in info.options.items()]


def _column_notes(column: Column, info: TableInfo) -> list[str]:
    notes = []
    if column.name in info.primary_key:
        notes.append("primary key")
    if column.kind == "computed":
        notes.append(f"computed {_clean(column.extras)}".rstrip())
    elif column.kind == "metadata":
        notes.append(_clean(column.extras) or "metadata")
    if column.time == "rowtime":
        notes.append("row time")
    elif column.time == "proctime":
        notes.append("proc time")
    return notes


# -- HTML -------------------------------------------------------------------------------
def catalog_html(cache: Any, catalog: str | None = None, database: str | None = None,
                 details: bool = True) -> str:
    """The whole tree as nested ``<details>`` (the current catalog and database open),
    every table's details read unless ``details`` is False."""
    body = "".join(_node_html(node, details) for node in catalog_tree(cache, catalog,
                                                                       database))
    return f"<div class='flink-catalog' style='font-size:13px;line-height:1.5'>{body}</div>"


def node_label_html(node: Node, note: str | None = None) -> str:
    """A node's name, what it is, and its error (in red), escaped."""
    esc = html.escape
    parts = [f"<code style='font-weight:600'>{esc(node.name)}</code>"] if node.name else []
    note = node.note if note is None else note
    if note:
        parts.append(f"<span style='color:{_MUTED}'>{esc(note)}</span>")
    if node.error:
        parts.append(f"<span class='flink-catalog-error' style='color:{_RED}'>"
                     f"{esc(_clean(node.error))}</span>")
    return " ".join(parts)


def contents_html(contents: Contents, details: bool = True) -> str:
    """What an opened node holds, as HTML."""
    if contents is None:
        return f"<div style='color:{_MUTED}'>Could not be read now; open it again.</div>"
    if isinstance(contents, TableInfo):
        return table_html(contents)
    if isinstance(contents, str):
        return f"<div style='color:{_MUTED};max-width:60em'>{html.escape(contents)}</div>"
    return "".join(_node_html(child, details) for child in contents)


def _node_html(node: Node, details: bool) -> str:
    if node.load is None or (node.detail and not details):
        return f"<div style='padding-left:1.1em'>{node_label_html(node)}</div>"
    contents = read_contents(node)
    note = table_note(node, contents) if isinstance(contents, TableInfo) else None
    opened = " open" if node.opened else ""
    return (f"<details{opened}><summary>{node_label_html(node, note)}</summary>"
            f"<div style='margin-left:1.4em'>{contents_html(contents, details)}</div>"
            f"</details>")


def table_html(info: TableInfo) -> str:
    """A table's or view's columns (types, key, computed, time attributes), primary key,
    watermarks, connector and options (secrets masked), all escaped."""
    esc = html.escape
    if info.error:
        return f"<div class='flink-catalog-error' style='color:{_RED}'>" \
               f"{esc(_clean(info.error))}</div>"
    cell = "style='padding:1px 10px 1px 0;text-align:left;vertical-align:top'"
    rows = []
    for column in info.columns:
        notes = " · ".join(esc(n) for n in _column_notes(column, info))
        comment = f" <i style='color:{_MUTED}'>{esc(_clean(column.comment))}</i>" \
            if column.comment else ""
        rows.append(f"<tr><td {cell}><code>{esc(column.name)}</code></td>"
                    f"<td {cell}><code>{esc(column.type)}</code></td>"
                    f"<td {cell}>{notes}{comment}</td></tr>")
    head = f"<tr><th {cell}>column</th><th {cell}>type</th><th {cell}></th></tr>"
    parts = []
    if info.comment:
        parts.append(f"<div><i>{esc(_clean(info.comment))}</i></div>")
    parts.append("<table class='flink-catalog-columns' style='border-collapse:collapse;"
                 f"margin:2px 0'>{head}{''.join(rows)}</table>")
    if info.primary_key:
        keys = ", ".join(f"<code>{esc(k)}</code>" for k in info.primary_key)
        parts.append(f"<div><b>primary key</b> {keys}</div>")
    for column, expression in info.watermarks:
        parts.append(f"<div><b>watermark</b> for <code>{esc(column)}</code> AS "
                     f"<code>{esc(_clean(expression))}</code></div>")
    options = _options(info)
    if options:
        rows = "".join(f"<tr><td {cell}><code>{esc(key)}</code></td>"
                       f"<td {cell}><code>{esc(value)}</code></td></tr>" for key, value in options)
        parts.append(f"<div><b>options</b></div><table class='flink-catalog-options' "
                     f"style='border-collapse:collapse;margin:0 0 4px 1em'>{rows}</table>")
    return "".join(parts)


# -- text -------------------------------------------------------------------------------
def catalog_text(cache: Any, catalog: str | None = None, database: str | None = None,
                 details: bool = True) -> str:
    """The whole tree as indented text, every table's details read unless ``details`` is
    False."""
    lines: list[str] = []
    for node in catalog_tree(cache, catalog, database):
        _node_text(node, details, 0, lines)
    return "\n".join(lines)


def _label_text(node: Node, note: str | None = None) -> str:
    note = node.note if note is None else note
    parts = [node.name] if node.name else []
    if note:
        parts.append(f"({note})")
    if node.error:
        parts.append(f"error: {' '.join(_clean(node.error).split())}")
    return "  ".join(parts)


def _node_text(node: Node, details: bool, depth: int, lines: list[str]) -> None:
    indent = "  " * depth
    if node.load is None or (node.detail and not details) or not node.in_text:
        lines.append(indent + _label_text(node))
        return
    contents = read_contents(node)
    note = table_note(node, contents) if isinstance(contents, TableInfo) else None
    lines.append(indent + _label_text(node, note))
    inner = "  " * (depth + 1)
    if contents is None:
        lines.append(inner + "(could not be read now)")
    elif isinstance(contents, TableInfo):
        lines.extend(inner + line for line in table_text(contents).splitlines())
    elif isinstance(contents, str):
        lines.extend(textwrap.wrap(contents, 88, initial_indent=inner, subsequent_indent=inner))
    else:
        for child in contents:
            _node_text(child, details, depth + 1, lines)


def table_text(info: TableInfo) -> str:
    """:func:`table_html` as aligned text."""
    if info.error:
        return "error: " + " ".join(_clean(info.error).split())
    lines = []
    if info.comment:
        lines.append(_clean(info.comment))
    name_width = max((len(c.name) for c in info.columns), default=0)
    type_width = max((len(c.type) for c in info.columns), default=0)
    for column in info.columns:
        notes = _column_notes(column, info)
        if column.comment:
            notes.append(f"-- {_clean(column.comment)}")
        lines.append(f"{column.name:<{name_width}}  {column.type:<{type_width}}  "
                     f"{' · '.join(notes)}".rstrip())
    if info.primary_key:
        lines.append("primary key: " + ", ".join(info.primary_key))
    for column, expression in info.watermarks:
        lines.append(f"watermark for {column} AS {_clean(expression)}")
    options = _options(info)
    if options:
        lines.append("options:")
        lines.extend(f"  '{key}' = '{value}'" for key, value in options)
    return "\n".join(lines)


# -- widgets ----------------------------------------------------------------------------
_STYLE = """<style>
.flink-catalog-toggle.jupyter-button { background: transparent; box-shadow: none;
  padding: 0 4px; height: 22px; text-align: left; font-family: var(--jp-code-font-family,
  monospace); font-weight: 600; }
.flink-catalog-toggle.jupyter-button.mod-active { background: transparent; box-shadow: none; }
.flink-catalog-toggle.jupyter-button:hover { background: rgba(127,127,127,.15); }
.flink-catalog-row { align-items: center; min-height: 24px; }
.flink-catalog-row .widget-html { margin: 0 4px; height: 22px; }
.flink-catalog-row .widget-html-content { height: 22px; line-height: 22px; }
.flink-catalog-details .widget-html-content { line-height: 1.45; }
.flink-catalog-insert.jupyter-button { height: 20px; padding: 0 6px; font-size: 11px; }
</style>"""


class NodeWidget:
    """One node as widgets: a toggle that opens it (what it holds is loaded the first time)
    and, for a table or view, a button that puts its name in a new cell."""

    def __init__(self, node: Node, insert: Callable[[str], Any]) -> None:
        import ipywidgets as widgets

        self.node = node
        self.children: list[NodeWidget] = []
        self.loaded = False
        self.label = widgets.HTML(node_label_html(node) if node.load is None else
                                  node_label_html(Node("", note=node.note, error=node.error)))
        row: list[Any] = [self.label]
        self.toggle: Any = None
        if node.load is not None:
            self.toggle = widgets.ToggleButton(
                description=node.name, value=False, icon="caret-right",
                tooltip=f"open {node.name}", layout=widgets.Layout(width="auto"))
            self.toggle.add_class("flink-catalog-toggle")
            self.toggle.observe(self._toggled, names="value")
            row.insert(0, self.toggle)
        else:
            self.label.layout.padding = "0 0 0 1.4em"
        self.insert_button: Any = None
        if node.insert:
            self.insert_button = widgets.Button(
                description="insert", icon="plus", layout=widgets.Layout(width="auto"),
                tooltip=f"a new cell: SELECT * FROM {node.insert} LIMIT 10")
            self.insert_button.add_class("flink-catalog-insert")
            self.insert_button.on_click(lambda _: insert(query_cell(node.insert)))
            row.append(self.insert_button)
        self.row = widgets.HBox(row)
        self.row.add_class("flink-catalog-row")
        self.contents = widgets.VBox(layout=widgets.Layout(margin="0 0 0 1.4em"))
        self.box = widgets.VBox([self.row])
        self._insert = insert
        if node.opened and self.toggle is not None:
            self.toggle.value = True

    def _toggled(self, change: dict) -> None:
        opened = bool(change["new"])
        self.toggle.icon = "caret-down" if opened else "caret-right"
        if opened and not self.loaded:
            self._load()
        self.box.children = (self.row, self.contents) if opened else (self.row,)

    def _load(self) -> None:
        import ipywidgets as widgets

        contents = read_contents(self.node)
        self.loaded = contents is not None  # None: not readable now; the next opening retries
        if isinstance(contents, list):
            self.children = [NodeWidget(child, self._insert) for child in contents]
            self.contents.children = [child.box for child in self.children]
            return
        if isinstance(contents, TableInfo):
            note = table_note(self.node, contents)
            self.label.value = node_label_html(Node("", note=note))
        details = widgets.HTML(contents_html(contents))
        details.add_class("flink-catalog-details")
        self.contents.children = [details]


class CatalogBrowser:
    """The catalog tree as ipywidgets; ``box`` is the widget. The current catalog and
    database (or the scope asked for) start open; a database's nodes are made and a table's
    details are read when their node first opens. Refresh reads the catalog again."""

    def __init__(self, cache: Any, catalog: str | None = None, database: str | None = None,
                 insert: Callable[[str], Any] | None = None) -> None:
        import ipywidgets as widgets

        self.cache = cache
        self.scope = (catalog, database)
        self._insert = insert or insert_cell
        self.nodes: list[NodeWidget] = []
        self.tree = widgets.VBox()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh",
                                             tooltip="read the catalog again")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.box = widgets.VBox([widgets.HTML(_STYLE), self.tree, self.refresh_button])
        self.box.add_class("flink-catalog")
        self._build()

    def _build(self) -> None:
        self.nodes = [NodeWidget(node, self._insert) for node in catalog_tree(self.cache,
                                                                              *self.scope)]
        self.tree.children = [node.box for node in self.nodes]

    def refresh(self) -> None:
        """Read the catalog again (tables and views may have come and gone)."""
        self.cache.drop()
        self._build()

    def find(self, *path: str) -> NodeWidget | None:
        """The node at ``path`` (catalog, database, table...) among those made so far."""
        nodes, found = self.nodes, None
        for name in path:
            found = next((n for n in nodes if n.node.name == name), None)
            if found is None:
                return None
            nodes = found.children
        return found

    def bundle(self) -> dict[str, Any]:
        """The widget with the tree's names as HTML and text for frontends without widgets
        (tables' details are not read for them)."""
        return {
            "text/plain": catalog_text(self.cache, *self.scope, details=False),
            "text/html": catalog_html(self.cache, *self.scope, details=False),
            **widget_view(self.box),
        }


# -- the insert-cell message ------------------------------------------------------------
def query_cell(name: str) -> str:
    """The cell a table's or view's insert button makes: a ``%%flink_sql`` query of its
    first rows, ready to run or edit."""
    return f"%%flink_sql\nSELECT * FROM {name} LIMIT 10"


def insert_cell(text: str) -> None:
    """Ask the frontend to put ``text`` in a new cell: a comm to ``INSERT_CELL_TARGET``
    carrying one message ``{"text": text}``, then closed. A frontend without a handler for
    the target ignores it (JupyterLab closes such a comm); outside a kernel nothing is
    sent."""
    import comm

    try:
        channel = comm.create_comm(target_name=INSERT_CELL_TARGET)
        channel.send({"text": text})
        channel.close()
    except Exception:  # no kernel, or it is shutting down: the button does nothing
        log.debug("could not send %s", INSERT_CELL_TARGET, exc_info=True)


# -- %flink_catalog ----------------------------------------------------------------------
def show_catalog(session: FlinkSession, scope: str | None = None,
                 renderer: str = "auto") -> CatalogBrowser | None:
    """``%flink_catalog [CATALOG[.DATABASE]]``: the session's catalog drawn for this
    frontend (``renderer`` as ``notebook.renderer``); the browser in a widget frontend."""
    from IPython.display import display

    from flink_notebook.authoring.catalog import CatalogCache
    from flink_notebook.cells.scripts import run_init_sql
    from flink_notebook.display.renderers import RENDERERS, renderer_name

    if renderer not in RENDERERS:
        raise UsageError(f"notebook.renderer is one of {', '.join(RENDERERS)}, "
                         f"got {renderer!r}.")
    session.ensure_started()
    run_init_sql(session)
    cache = CatalogCache(session)  # its own: fresh, and never waiting for completion's reads
    catalog, database = resolve_scope(cache.names(), scope)
    name = renderer_name(renderer)
    if name == "widget":
        browser = CatalogBrowser(cache, catalog, database)
        display(browser.bundle(), raw=True)
        return browser
    if name in ("text", "zeppelin"):
        print(catalog_text(cache, catalog, database))
        return None
    display({"text/html": catalog_html(cache, catalog, database),
             "text/plain": catalog_text(cache, catalog, database)}, raw=True)
    return None
