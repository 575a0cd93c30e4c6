"""Secrets: which option keys hold them, and how they are shown (never in clear)."""

from __future__ import annotations

import re

#: What a secret value is shown as, everywhere.
MASK = "********"
_SECRET_WORDS = ("password", "secret", "token", "authorization", "headers")
# A table option in a Java message: 'key' = 'value' (Flink quotes both).
_OPTION = re.compile(r"'(?P<key>(?:[^']|'')*)'\s*=\s*'(?:[^']|'')*'")


def is_secret(key: str) -> bool:
    """True for keys whose values are never printed or rendered (passwords, tokens...)."""
    return any(word in key.lower() for word in _SECRET_WORDS)


def mask_options(text: str) -> str:
    """``text`` with the values of secret ``'key' = 'value'`` options masked."""

    def mask(match: re.Match) -> str:
        key = match.group("key")
        return f"'{key}'='{MASK}'" if is_secret(key) else match.group(0)

    return _OPTION.sub(mask, text)
