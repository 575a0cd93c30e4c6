"""Where a Flink cluster's REST API (and web UI) is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from IPython.core.error import UsageError

if TYPE_CHECKING:
    from flink_notebook.core.config import Configuration

#: Flink's default REST port.
DEFAULT_REST_PORT = 8081


@dataclass(frozen=True)
class ClusterAddress:
    """The REST endpoint of a Flink cluster (JobManager)."""

    host: str
    port: int
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def configured_remote(configuration: Configuration) -> ClusterAddress | None:
    """The session cluster ``rest.address`` (a host, or a URL such as https://host:port) and
    ``rest.port`` (default 8081) name, None when ``rest.address`` is unset."""
    host = str(configuration.get("rest.address") or "").strip()
    if not host:
        return None
    port = int(configuration.get("rest.port") or DEFAULT_REST_PORT)
    if "://" not in host:
        return ClusterAddress(host, port)
    url = urlsplit(host)
    if url.scheme not in ("http", "https") or not url.hostname or url.path.strip("/"):
        raise UsageError(
            f"rest.address {host} is not a cluster URL: write http(s)://HOST[:PORT] "
            "(a path prefix is Flink's rest.path option)."
        )
    return ClusterAddress(url.hostname, url.port or port, url.scheme)
