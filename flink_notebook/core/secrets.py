"""Secrets: which option keys hold them, and how they are shown (never in clear)."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: What a secret value is shown as, everywhere.
MASK = "********"
# Flink's own list (GlobalConfiguration.SENSITIVE_KEYS, which the SQL gateway masks with),
# then what connectors and REST proxies call their secrets besides.
_FLINK_SENSITIVE = ("password", "secret", "fs.azure.account.key", "apikey", "api-key",
                    "auth-params", "service-key", "token", "basic-auth", "jaas.config",
                    "http-headers")
_SECRET_WORDS = _FLINK_SENSITIVE + (
    "passwd", "jaas", "credential", "api_key", "account-key", "account.key", "private-key",
    "private.key", "authorization", "headers",
)
# A table option as Flink prints it: 'key' = 'value' (both quoted, '' inside a quote).
_OPTION = re.compile(r"(?P<head>'(?P<key>(?:[^']|'')*)'\s*=\s*)'(?:[^']|'')*'")
# A key shown beside its value in a two-column result (DESCRIBE CATALOG EXTENDED: option:k).
_PREFIXED = re.compile(r"^(?:option|options|property|properties)[:.]", re.IGNORECASE)


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
    return any(word in key.lower() for word in _SECRET_WORDS)


def mask_options(text: str) -> str:
    """``text`` with the values of secret ``'key' = 'value'`` options masked; the rest,
    spacing included, as it was."""

    def mask(match: re.Match) -> str:
        return f"{match.group('head')}'{MASK}'" if is_secret(match.group("key")) else match.group(0)

    return _OPTION.sub(mask, text)


def mask_rows(rows: Iterable[tuple]) -> list[tuple]:
    """Rows of a statement's output (SHOW CREATE ..., DESCRIBE ... EXTENDED) with secrets
    masked: options inside text, and the value beside a secret key in two-column rows."""
    masked = []
    for row in rows:
        cells = tuple(mask_options(cell) if isinstance(cell, str) else cell for cell in row)
        if (len(cells) == 2 and isinstance(cells[0], str) and cells[1] is not None
                and is_secret(_PREFIXED.sub("", cells[0]))):
            cells = (cells[0], MASK)
        masked.append(cells)
    return masked
