"""Several hosts on one machine, for tests of clusters across hosts: one network namespace
per host, each joined by a veth pair to a bridge in the root namespace.

The hosts live in 10.213.0.0/16, reserved for them: each run takes a /24 no other run
uses (10.213.N.1 is the bridge, the root namespace's address on it; the hosts are .2,
.3, ...). The namespaces have no other interface and no default route, so traffic goes
only to these addresses and to each namespace's own loopback. Names carry the pid of the
run (``fn<pid>-a``, ``fn<pid>br``), so two runs never collide, and a run that was killed
before its teardown is cleaned up by the next. ``network(...)`` removes everything it made,
processes started in the hosts included, also when the test fails.

Filesystems are shared: every host sees the same /tmp and state directory, and the same
process table (a host's processes are visible, and can be signalled, from the root).
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil
import pytest

SUBNETS = ipaddress.ip_network("10.213.0.0/16")
_LOCK = "/tmp/flink-notebook-test-hosts.lock"  # picking a subnet, across runs
_OURS = re.compile(r"^fn(\d+)(?:-|br|[a-z]\d$)")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``ip ARGS`` (iproute2); CalledProcessError with its stderr if it fails."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode:
        raise subprocess.CalledProcessError(done.returncode, ["ip", *args], done.stdout,
                                            done.stderr)
    return done


@dataclass
class Host:
    """One host: a network namespace with one address on the shared bridge."""

    name: str
    netns: str
    address: str
    veth: str  # its end of the pair in the root namespace, on the bridge
    started: list[subprocess.Popen] = field(default_factory=list)

    def command(self, cmd: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *cmd]

    def run(self, cmd: list[str], timeout: float = 180, **kwargs) -> subprocess.CompletedProcess:
        """Run ``cmd`` on this host to its end (text output captured)."""
        kwargs.setdefault("capture_output", True)
        return subprocess.run(self.command(cmd), text=True, timeout=timeout, **kwargs)

    def popen(self, cmd: list[str], **kwargs) -> subprocess.Popen:
        """Start ``cmd`` on this host; it is killed at the end of the network."""
        child = subprocess.Popen(self.command(cmd), **kwargs)
        self.started.append(child)
        return child

    def link_down(self) -> None:
        """Unplug the host: its link to the bridge goes down (nothing gets in or out, and
        open connections hang, as with a cut cable)."""
        ip("link", "set", self.veth, "down")

    def link_up(self) -> None:
        ip("link", "set", self.veth, "up")

    def pids(self) -> list[int]:
        """Every process in this host's namespace."""
        done = ip("netns", "pids", self.netns, check=False)
        return [int(pid) for pid in done.stdout.split()]


@dataclass
class Network:
    bridge: str
    gateway: str  # the root namespace's address on the bridge
    hosts: dict[str, Host]

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]


def _pid_alive(pid: int) -> bool:
    return psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE


def _remove_stale() -> None:
    """Namespaces and links of runs whose process is gone (killed before their teardown)."""
    names = ip("netns", "list", check=False).stdout.split()
    links = re.findall(r"^\d+: ([^:@]+)", ip("-o", "link", "show", check=False).stdout, re.M)
    for name in [*names, *links]:
        found = _OURS.match(name)
        if found and not _pid_alive(int(found.group(1))):
            if name in names:
                _kill(ip("netns", "pids", name, check=False).stdout.split())
                ip("netns", "delete", name, check=False)
            else:
                ip("link", "delete", name, check=False)


def _kill(pids: list[str | int]) -> None:
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 of SUBNETS that no interface here (nor another run's host) has an address in."""
    shown = ip("-o", "-4", "addr", "show", check=False).stdout
    used = {ipaddress.ip_interface(a).network for a in re.findall(r"inet (\S+)", shown)}
    subnets = list(SUBNETS.subnets(new_prefix=24))
    start = os.getpid() % len(subnets)
    for step in range(len(subnets)):
        subnet = subnets[(start + step) % len(subnets)]
        if not any(subnet.overlaps(network) for network in used):
            return subnet
    raise RuntimeError(f"every /24 of {SUBNETS} is in use")


@contextmanager
def network(*names: str) -> Iterator[Network]:
    """Hosts called ``names`` (single letters) on one bridge; removed on exit. Skips the
    test when this machine cannot make network namespaces (not root, no iproute2)."""
    prefix = f"fn{os.getpid()}"
    probe = f"{prefix}-probe"
    try:
        made = ip("netns", "add", probe, check=False)
    except FileNotFoundError:
        pytest.skip("network namespaces cannot be made here: no `ip` command (iproute2)")
    if made.returncode:
        pytest.skip(f"network namespaces cannot be made here (`ip netns add` needs root): "
                    f"{made.stderr.strip()}")
    ip("netns", "delete", probe)
    bridge = f"{prefix}br"
    made_hosts: dict[str, Host] = {}
    try:
        with open(_LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two runs never take the same subnet
            _remove_stale()
            subnet = _free_subnet()
            gateway = str(subnet.network_address + 1)
            ip("link", "add", bridge, "type", "bridge")
            ip("addr", "add", f"{gateway}/24", "dev", bridge)
            ip("link", "set", bridge, "up")
        for index, name in enumerate(names):
            netns, veth = f"{prefix}-{name}", f"{prefix}{name}0"
            host = Host(name, netns, str(subnet.network_address + 2 + index), veth)
            ip("netns", "add", netns)
            made_hosts[name] = host
            ip("link", "add", veth, "type", "veth", "peer", "name", f"{prefix}{name}1")
            ip("link", "set", f"{prefix}{name}1", "netns", netns, "name", "eth0")
            ip("link", "set", veth, "master", bridge)
            ip("link", "set", veth, "up")
            ip("-n", netns, "addr", "add", f"{host.address}/24", "dev", "eth0")
            ip("-n", netns, "link", "set", "eth0", "up")
            ip("-n", netns, "link", "set", "lo", "up")
        yield Network(bridge, gateway, made_hosts)
    finally:
        for host in made_hosts.values():
            for child in host.started:
                if child.poll() is None:
                    child.kill()
                child.wait()
            _kill(host.pids())  # what its commands left running (a cluster's JVMs)
            deadline = time.monotonic() + 10
            while host.pids() and time.monotonic() < deadline:
                time.sleep(0.1)
            ip("netns", "delete", host.netns, check=False)  # its end of the pair with it
            ip("link", "delete", host.veth, check=False)
        ip("link", "delete", bridge, check=False)
