"""Secrets: which option keys hold them, and how they are shown (never in clear)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

#: What a secret value is shown as, everywhere.
MASK = "********"
# Flink's own list (GlobalConfiguration.SENSITIVE_KEYS, which the SQL gateway masks with),
# then what connectors and REST proxies call their secrets besides.
_FLINK_SENSITIVE = ("password", "secret", "fs.azure.account.key", "apikey", "api-key",
                    "auth-params", "service-key", "token", "basic-auth", "jaas.config",
                    "http-headers")
#: What a key holding a secret holds (any case).
SECRET_WORDS = _FLINK_SENSITIVE + (
    "passwd", "jaas", "credential", "api_key", "account-key", "account.key", "private-key",
    "private.key", "authorization", "headers",
)
# A key shown beside its value in a two-column result (DESCRIBE CATALOG EXTENDED: option:k).
_PREFIXED = re.compile(r"^(?:option|options|property|properties)[:.]", re.IGNORECASE)
# A key and its value as statements, hints, Java messages and Python code write them: the key
# in any quoting or none, ``=`` (or ``:`` after a quoted key: a dict, JSON), then the value
# quoted ('' doubled inside) or not. A quote left open runs to the end of its line.
_PAIR = re.compile(r"""
    (?: (?: '(?P<k1>(?:[^'\n]|'')*)' | "(?P<k2>(?:[^"\n]|"")*)" | `(?P<k3>(?:[^`\n]|``)*)` )
        [ \t]*[=:][ \t]*
      | (?<![\w.$'"`-])(?P<k4>[A-Za-z_][\w.-]*)[ \t]*=[ \t]* )
    (?P<value> '(?:[^']|'')*' | "(?:[^"]|"")*" | `(?:[^`]|``)*`
      | ['"`][^\n]* | [^\s,;)}\]'"`]+ )""", re.VERBOSE)
# SET key = value unquoted: the value is the rest of the line, spaces and all.
_SET_VALUE = re.compile(r"""(?im)^[ \t]*set[ \t]+(?P<key>'[^'\n]*'|[^\s='"]+)[ \t]*=[ \t]*
                            (?P<value>[^\s'"`].*?)[ \t]*;?[ \t]*$""", re.VERBOSE)
# scheme://user:password@host: the password.
_USER_INFO = re.compile(r"\b[A-Za-z][\w+.-]*://[^\s/:@'\"`]*:(?P<value>[^\s/@'\"`]+)@")
# Values shorter than this are masked where they stand beside their key, not searched for
# elsewhere in a message (a one-letter value would mask every such letter).
_SHORTEST_SEARCHED = 4


def secret_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each secret value in ``text``, in order and not overlapping: values
    of secret keys (``'password' = '...'`` in WITH, OPTIONS hints, SET, catalog and function
    options, quoted in any way, unquoted, or left open), and a URL's password."""
    spans = []
    for match in _PAIR.finditer(text):
        key = next(k for k in match.group("k1", "k2", "k3", "k4") if k is not None)
        if is_secret(key):
            spans.append(match.span("value"))
    spans += [m.span("value") for m in _SET_VALUE.finditer(text)
              if is_secret(m.group("key").strip("'"))]
    spans += [m.span("value") for m in _USER_INFO.finditer(text)]
    return _merged(spans)


def secret_values(text: str) -> frozenset[str]:
    """The secret values written in ``text`` (quotes taken off, ``''`` undone), to scrub
    from messages that quote them elsewhere (a parser's "Encountered ...", a plan)."""
    values = set()
    for start, end in secret_spans(text):
        raw = text[start:end].rstrip()
        if raw[:1] in "'\"`":
            quote = raw[0]
            raw = raw[1:-1] if len(raw) > 1 and raw.endswith(quote) else raw[1:]
            values |= {raw, raw.replace(quote * 2, quote)}
        else:
            values.add(raw)
    return frozenset(v for v in values if len(v.strip()) >= _SHORTEST_SEARCHED and v != MASK)


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret value (see :func:`secret_spans`) shown as the mask, in the
    quotes it had, and each of ``secrets`` masked wherever it appears. Lines stay where they
    are: a value that spans lines keeps its line breaks."""
    return _masked(text, secrets)[0]


def mask_at(text: str, offset: int, secrets: Iterable[str] = ()) -> tuple[str, int]:
    """:func:`mask_text` of ``text`` and where ``offset`` in ``text`` is in it (the start of
    the mask when it was inside a secret)."""
    masked, moved = _masked(text, secrets)
    return masked, moved(offset)


def _masked(text: str, secrets: Iterable[str]) -> tuple[str, Callable[[int], int]]:
    spans = secret_spans(text)
    for value in set(secrets):
        if len(value) >= _SHORTEST_SEARCHED:
            spans += [match.span() for match in re.finditer(re.escape(value), text)]
    pieces: list[str] = []
    moves: list[tuple[int, int, int, int]] = []  # (start, end) of each, where and how long
    last = 0                                     # its mask is in the masked text
    for start, end in _merged(spans):
        value = text[start:end]
        quote = value[0] if value[:1] in "'\"`" else ""
        closed = quote if quote and len(value) > 1 and value.rstrip().endswith(quote) else ""
        shown = quote + MASK + closed + "\n" * value.count("\n")
        pieces.append(text[last:start])
        moves.append((start, end, sum(map(len, pieces)), len(shown)))
        pieces.append(shown)
        last = end
    pieces.append(text[last:])

    def moved(offset: int) -> int:
        shift = 0
        for start, end, at, size in moves:
            if offset < start:
                break
            if offset < end:
                return at
            shift = at + size - end
        return offset + shift

    return "".join(pieces), moved


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# Netty's print of an HTTP message (in a REST client's error): its first line, then the
# status or request line, then one "name: value" line per header.
HTTP_DUMP = re.compile(
    r"(?P<head>Default(?:Full)?Http(?:Response|Request)\([^)\n]*\))"
    r"(?P<lines>(?:\n(?:HTTP/\d[^\n]*|[A-Z]+ \S+ HTTP/\d[^\n]*|[A-Za-z][\w-]*: [^\n]*))+)")
_HEADER_LINE = re.compile(r"^(?P<name>[A-Za-z][\w-]*): .*$", re.M)


def mask_http_headers(text: str) -> str:
    """``text`` with the values of every header in a printed HTTP message masked (a
    cookie, an authorization a proxy sent or echoed)."""

    def mask(match: re.Match) -> str:
        lines = _HEADER_LINE.sub(lambda h: f"{h.group('name')}: {MASK}", match.group("lines"))
        return match.group("head") + lines

    return HTTP_DUMP.sub(mask, text)


def is_secret(key: str) -> bool:
    """True for keys whose values are never printed or rendered (passwords, tokens...)."""
    return any(word in key.lower() for word in SECRET_WORDS)


def mask_rows(rows: Iterable[tuple], secrets: Iterable[str] = ()) -> list[tuple]:
    """Rows of a statement's output (SHOW CREATE ..., DESCRIBE ... EXTENDED, EXPLAIN) with
    secrets masked: values inside text (and ``secrets`` wherever they appear), and the value
    beside a secret key in two-column rows."""
    secrets = tuple(secrets)
    masked = []
    for row in rows:
        cells = tuple(mask_text(cell, secrets) if isinstance(cell, str) else cell
                      for cell in row)
        if (len(cells) == 2 and isinstance(cells[0], str) and cells[1] is not None
                and is_secret(_PREFIXED.sub("", cells[0]))):
            cells = (cells[0], MASK)
        masked.append(cells)
    return masked
