"""One source for Flink SQL's words: completion's list (authoring/keywords.py) and the
JupyterLab extension's highlighting (labextension/src/dialect.ts) name the same words."""

from __future__ import annotations

import re
from pathlib import Path

from flink_notebook.authoring.keywords import KEYWORDS, RESERVED

DIALECT = Path(__file__).parents[2] / "labextension" / "src" / "dialect.ts"
#: What CodeMirror's SQL highlighting always knows as literals, whatever the dialect.
LITERALS = {"true", "false", "null"}


def _words(name: str) -> set[str]:
    block = re.search(rf"const {name} = `([^`]*)`", DIALECT.read_text())
    assert block, f"{name} not found in {DIALECT}"
    return set(block.group(1).split())


def test_every_keyword_is_highlighted():
    highlighted = _words("KEYWORDS") | _words("TYPES") | _words("BUILTINS") | LITERALS
    assert sorted({word.lower() for word in KEYWORDS} - highlighted) == []


def test_every_highlighted_keyword_and_type_is_a_keyword():
    highlighted = _words("KEYWORDS") | _words("TYPES")
    assert sorted(highlighted - {word.lower() for word in KEYWORDS}) == []


def test_reserved_words_are_keywords():
    assert sorted(RESERVED - set(KEYWORDS)) == []
