"""The one line a statement that returns no rows answers with (``created table b_ticks``),
instead of the SQL client's ``[INFO] Execute statement succeed.`` or a one-cell ``OK``."""

from __future__ import annotations

from flink_notebook.sql.statements import tokens

_DONE = {"create": "created", "drop": "dropped", "alter": "altered", "load": "loaded",
         "unload": "unloaded", "add": "added", "remove": "removed", "truncate": "truncated"}
_SKIPPED = {"or", "replace", "if", "not", "exists"}  # CREATE OR REPLACE, IF [NOT] EXISTS
_KEPT = {"temporary", "system"}  # said: a temporary table is not a table in the catalog


def confirmation(text: str) -> str:
    """``created temporary table orders``, ``dropped view v``, ``using catalog c``..."""
    words = tokens(text)
    if not words:
        return "OK"
    verb, rest = words[0].lower(), words[1:]
    if verb == "use":
        if rest and rest[0].lower() in ("catalog", "modules"):
            return f"using {rest[0].lower()} {' '.join(rest[1:]).replace(' ,', ',')}".strip()
        return f"using database {_name(rest)}".strip()
    done = _DONE.get(verb)
    if done is None:
        return "OK"
    said = [done]
    while rest and rest[0].lower() in _SKIPPED | _KEPT:
        if rest[0].lower() in _KEPT:
            said.append(rest[0].lower())
        rest = rest[1:]
    if rest:
        said.append(rest[0].lower())  # table, view, function, catalog, database, jar...
        rest = rest[1:]
    while rest and rest[0].lower() in _SKIPPED:
        rest = rest[1:]
    name = _name(rest)
    return " ".join(said + ([name] if name else []))


def _name(words: list[str]) -> str:
    """A possibly qualified name at the start of ``words`` (``cat . db . t`` -> cat.db.t)."""
    if not words:
        return ""
    name = [words[0]]
    while len(words) > len(name) + 1 and words[len(name)] == ".":
        name += [".", words[len(name) + 1]]
    return "".join(name)
