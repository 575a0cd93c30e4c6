"""Free TCP ports on loopback, for clusters and servers we start."""

from __future__ import annotations

import socket

#: Everything flink-notebook starts listens here unless the user asks otherwise.
LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
