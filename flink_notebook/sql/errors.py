"""SQL errors located in the cell: the line and column Flink reports, the cell's own line
quoted with a caret under the spot. A syntax error always has its caret and the tokens that
may stand there, also where Flink's parser says neither ("Non-query expression encountered
in illegal context" for ``SELEC 1``), and a word one letter off a keyword is named
(``did you mean SELECT?``)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flink_notebook.core.errors import (
    expected_line,
    expected_tokens,
    position_in_statement,
    wrap_message,
)
from flink_notebook.core.secrets import mask_at, mask_text
from flink_notebook.sql.keywords import KEYWORDS, SHOW_OBJECTS, STATEMENT_STARTS
from flink_notebook.sql.statements import tokens_at

if TYPE_CHECKING:
    from flink_notebook.sql.statements import Statement


def format_sql_error(
    exc: BaseException, statement: Statement, cell: str, verbose: bool = False,
    source: str | None = None,
) -> str:
    """The error of ``statement`` with its position in the cell and that line quoted.

    ::

        SQL error at line 3, column 8: Column 'x' not found in any table
          3 | SELECT x FROM t
            |        ^

    Without a position Flink reported, the statement's first line is quoted
    without a caret. ``verbose`` appends the full Java trace. ``source`` names the file
    the statements came from (``SQL error at init.sql, line 3, ...``). Secret values are
    masked throughout, the quoted line's too (its caret still under the spot). The
    message's own lines are wrapped at words (:func:`~flink_notebook.core.errors.
    wrap_message`); the quoted line and the caret keep their columns.
    """
    summary, trace, position = position_in_statement(exc)
    hint = syntax_hint(statement, summary, trace, position)
    if hint is not None:
        summary, position = hint.summary, hint.position
    summary, trace = mask_text(summary, statement.secrets), mask_text(trace, statement.secrets)
    lines = cell.split("\n")
    where = f"{source}, " if source else ""
    if position:
        line, column = statement.cell_position(*position)
        head = f"SQL error at {where}line {line}, column {column}: {summary}"
    else:
        line, column = statement.line, None
        head = f"SQL error in the statement at {where}line {line}: {summary}"
    if 0 < line <= len(lines):
        quoted, at = mask_at(lines[line - 1].rstrip(), (column or 1) - 1, statement.secrets)
        column = None if column is None else at + 1
    else:
        quoted = statement.first_line
    quoted, before_caret = _window(quoted, column)
    gutter = f"{line:>4} | "
    # What may stand at the spot goes under the caret.
    below = [line for line in head.split("\n") if line.startswith("Expected: ")]
    parts = ["\n".join(line for line in head.split("\n") if line not in below), gutter + quoted]
    if column is not None:
        # Tabs stay tabs so the caret lines up however wide the display draws them.
        indent = "".join(char if char == "\t" else " " for char in before_caret)
        parts.append(" " * (len(gutter) - 2) + "| " + indent + "^")
    parts += below
    if not verbose:
        parts.append("(add --verbose to the magic line for the Java trace)")
    message = wrap_message("\n".join(parts))
    return f"{message}\n\n{trace}" if verbose else message


#: The most characters of a line quoted under an error; a longer line is quoted around
#: the caret, with "…" where it was cut (with the gutter, within a message's width).
QUOTED_WIDTH = 90


def _window(quoted: str, column: int | None) -> tuple[str, str]:
    """(what to quote of the line, what of it comes before the caret's column)."""
    at = min(max((column or 1) - 1, 0), len(quoted))
    if len(quoted) <= QUOTED_WIDTH:
        return quoted, quoted[:at]
    start = max(0, min(at - QUOTED_WIDTH // 2, len(quoted) - QUOTED_WIDTH))
    end = start + QUOTED_WIDTH
    head = "…" if start else ""
    return head + quoted[start:end] + ("…" if end < len(quoted) else ""), head + quoted[start:at]


# -- syntax errors ----------------------------------------------------------------------

#: What Calcite says of a statement that starts with a word that starts none (``SELEC 1``),
#: or of such a word where a query belongs (``INSERT INTO t SELEC 1``): no position.
NON_QUERY = "Non-query expression encountered in illegal context"
_QUERY_STARTS = ("SELECT", "WITH", "VALUES")
_CLOSE = 0.75  # how alike a word and a keyword are to suggest it (SELEC/SELECT 0.91, FRM/FROM 0.86)
_SHOWN_TOKEN = 40


@dataclass(frozen=True)
class SyntaxHint:
    """A syntax error said better: its ``summary`` and ``position`` ((line, UTF-16
    column) in the statement's text, as Flink reports them)."""

    summary: str
    position: tuple[int, int]


def syntax_hint(statement: Statement, summary: str, trace: str,
                position: tuple[int, int] | None) -> SyntaxHint | None:
    """The better message of a parse error of ``statement`` (``summary``, ``trace`` and
    ``position`` as :func:`~flink_notebook.core.errors.position_in_statement` read them):
    the spot and the tokens that may stand there when Flink gave neither; a keyword for a
    word that is one letter off it; the expected tokens, most used first. None for an error
    that is no parse error."""
    text = statement.text
    found = tokens_at(text)
    if NON_QUERY in summary or (position is None and "SqlParserException" in trace):
        return _no_position(text, found, summary)
    if summary.startswith("Incorrect syntax near the keyword 'SHOW'"):
        return _show(text, found)
    expected = expected_tokens(trace)
    if position is None or not expected:
        return None
    keywords = [token.strip('"') for token in expected if token.startswith('"')]
    at = _offset(text, *position)
    index = next((i for i, (offset, _) in enumerate(found) if offset >= at), len(found))
    for i in (index, index - 1):  # the word at the spot, or the one before (FRM in FRM t)
        if not 0 <= i < len(found):
            continue
        offset, word = found[i]
        said = f"{word} is not a keyword: did you mean {{}}?"
        match = _suggestion(word, keywords)
        if match:
            lines = [said.format(match), *summary.split("\n")[1:]]
            return SyntaxHint(_with_expected(lines, expected, match), _flink_position(text, offset))
        match = _suggestion(word, _QUERY_STARTS) if i and found[i - 1][1] == "(" else None
        if match:  # (SELEC 1): Calcite read a name, where a subquery's first word was meant
            return SyntaxHint(f"{said.format(match)}\n{_expected_words(_QUERY_STARTS)}",
                              _flink_position(text, offset))
    return SyntaxHint(_with_expected(summary.split("\n"), expected), position)


def _no_position(text: str, found: list[tuple[int, str]], summary: str) -> SyntaxHint | None:
    """A parse error without a position: the statement's first token when it starts no
    statement; else, for Calcite's :data:`NON_QUERY`, a word where a query belongs that is
    one letter off a query's first keyword; else Flink's ``summary`` at the statement's
    start."""
    code = [(offset, token) for offset, token in found if token != "("]
    if not code:
        return None
    offset, first = code[0]
    if first.upper() not in STATEMENT_STARTS:
        shown = first if len(first) <= _SHOWN_TOKEN else first[:_SHOWN_TOKEN] + "…"
        match = _suggestion(first, STATEMENT_STARTS, any_word=True)
        said = f"{shown} is not a statement" + (f": did you mean {match}?" if match else "")
        return SyntaxHint(f"{said}\n{_expected_words(STATEMENT_STARTS)}",
                          _flink_position(text, offset))
    start = _flink_position(text, code[0][0])
    if NON_QUERY not in summary:
        return SyntaxHint(summary, start)
    for offset, word in code[1:]:
        match = _suggestion(word, _QUERY_STARTS)
        if match:
            return SyntaxHint(f"{word} is not a keyword: did you mean {match}?\n"
                              f"{_expected_words(_QUERY_STARTS)}", _flink_position(text, offset))
    return SyntaxHint(f"{NON_QUERY}\n{_expected_words(_QUERY_STARTS)}", start)


def _show(text: str, found: list[tuple[int, str]]) -> SyntaxHint | None:
    """``SHOW`` followed by a word it does not take (Calcite points at SHOW and lists what
    an expression may start with): the word, what SHOW takes, the one meant."""
    if not found or found[0][1].upper() != "SHOW":
        return None
    expected = _expected_words(SHOW_OBJECTS)
    if len(found) < 2:
        return SyntaxHint(f"SHOW what?\n{expected}", _flink_position(text, len(text)))
    offset, word = found[1]
    match = _suggestion(word, SHOW_OBJECTS, any_word=True)
    said = f"SHOW {word} is not a statement" + (f": did you mean {match}?" if match else "")
    return SyntaxHint(f"{said}\n{expected}", _flink_position(text, offset))


def _expected_words(words: tuple[str, ...]) -> str:
    return expected_line([f'"{word}"' for word in words])


def _suggestion(word: str, keywords: list[str] | tuple[str, ...],
                any_word: bool = False) -> str | None:
    """The one of ``keywords`` that ``word`` (a bare word that is no keyword itself, unless
    ``any_word``) is most likely a typo of; None when none is close."""
    if not word.replace("_", "").isalpha():
        return None
    upper = word.upper()
    if not any_word and upper in KEYWORDS:
        return None
    matches = difflib.get_close_matches(upper, [k for k in keywords if k != upper], 1, _CLOSE)
    return matches[0] if matches else None


def _rank(keyword: str) -> int:
    """Flink SQL's keywords, most used first (authoring's completion order)."""
    try:
        return KEYWORDS.index(keyword.upper())
    except ValueError:
        return len(KEYWORDS)


def _with_expected(lines: list[str], expected: list[str], first: str | None = None) -> str:
    """The summary's lines with its "Expected:" line (core.errors' own, in Calcite's
    order) in Flink SQL's order of use, ``first`` leading."""
    def rank(keyword: str) -> tuple[int, int]:
        return (0 if keyword == first else 1, _rank(keyword))

    kept = [line for line in lines if not line.startswith("Expected: ")]
    return "\n".join([*kept, expected_line(expected, rank)])


def _offset(text: str, line: int, utf16_column: int) -> int:
    """The offset in ``text`` of a position Flink reports (its columns count UTF-16)."""
    lines = text.split("\n")
    line = min(max(line, 1), len(lines))
    offset = sum(len(before) + 1 for before in lines[: line - 1])
    units = 0
    for index, char in enumerate(lines[line - 1]):
        if units >= utf16_column - 1:
            return offset + index
        units += 2 if ord(char) > 0xFFFF else 1
    return offset + len(lines[line - 1])


def _flink_position(text: str, offset: int) -> tuple[int, int]:
    """``offset`` in ``text`` as Flink would report it: (line, UTF-16 column)."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, len(text[start:offset].encode("utf-16-le")) // 2 + 1
