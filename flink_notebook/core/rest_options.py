"""The notebook's REST options: extra HTTP headers (an authenticating proxy) and the TLS
check, read from the Configuration. Flink's own client gets the headers from the
environment the JVM starts with; our client gets them from here."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from IPython.core.error import UsageError

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration

#: Flink's own client reads extra HTTP headers from this variable ("Name:value" lines),
#: once per submission, from the environment the JVM started with.
HEADERS_VARIABLE = "FLINK_REST_CLIENT_HEADERS"


def parse_headers(text: str | None) -> dict[str, str]:
    """``Name: value`` entries separated by ``;`` or newlines. Values are never quoted in
    errors: they hold credentials."""
    headers: dict[str, str] = {}
    for entry in (text or "").replace("\n", ";").split(";"):
        if not entry.strip():
            continue
        name, colon, value = entry.partition(":")
        if not colon or not name.strip():
            raise UsageError(
                "notebook.rest-headers expects 'Name: value' entries separated by ';' "
                f"(entry {len(headers) + 1} has no 'Name:')."
            )
        headers[name.strip()] = value.strip()
    return headers


def rest_headers(configuration: Configuration) -> dict[str, str]:
    """The extra HTTP headers for REST calls: notebook.rest-headers, else Flink's variable."""
    configured = configuration.get("notebook.rest-headers")
    return parse_headers(configured if configured else os.environ.get(HEADERS_VARIABLE))


def flink_headers_text(headers: dict[str, str]) -> str:
    """The headers as Flink's variable holds them."""
    return "\n".join(f"{name}:{value}" for name, value in headers.items())


def rest_verify(configuration: Configuration) -> bool | str:
    """httpx's ``verify``: True, False or a CA bundle path."""
    setting = str(configuration.get("notebook.rest-verify") or "true").strip()
    if setting.lower() in ("true", "yes", "on", "1"):
        return True
    if setting.lower() in ("false", "no", "off", "0"):
        return False
    if not os.path.isfile(setting):
        raise UsageError(
            f"notebook.rest-verify is true, false or the path of a CA bundle; no file at "
            f"{setting}."
        )
    return setting
