"""How local services share one data directory (scripts/local_services.py): the lock files that
serialise starts and stops, the port a server claims by binding it, and the users of a server an
`exec` started, so the last one out stops it.

Per service, in the data directory:
  <svc>.lock       held exclusively while a server is looked for, started or stopped
  <svc>.users      each `exec` holds a shared lock on it while its command runs
  <svc>.port       the port last used, tried first so a restart keeps its URL
  <svc>.ephemeral  an `exec` started the server: the last `exec` out stops it
"""

from __future__ import annotations

import contextlib
import fcntl
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

PORT_TRIES = 20


def log(msg: str) -> None:
    print(f"[local-services] {msg}", file=sys.stderr, flush=True)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


class Claims:
    """The claim files of one data directory."""

    def __init__(self, data: Path) -> None:
        self.data = data

    @contextlib.contextmanager
    def claim(self, service: str) -> Iterator[None]:
        self.data.mkdir(parents=True, exist_ok=True)
        with open(self.data / f"{service}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield  # closing the file releases the lock, also if this process dies

    def candidate_ports(self, service: str, base: int) -> list[int]:
        ports = list(range(base, base + PORT_TRIES))
        with contextlib.suppress(OSError, ValueError):
            last = int((self.data / f"{service}.port").read_text())
            ports = [last, *(p for p in ports if p != last)]
        return ports

    def start_on_a_free_port(self, service: str, base: int, launch: Callable[[int], bool]) -> int:
        """Start the server on the first port that is free and stays ours. The bind is the claim:
        `launch(port)` is False when another server bound the port between the check and the
        bind (another checkout starting at the same minute), and the next port is tried."""
        for port in self.candidate_ports(service, base):
            if port_free(port) and launch(port):
                (self.data / f"{service}.port").write_text(str(port))
                return port
        sys.exit(f"no free port for {service} in {base}..{base + PORT_TRIES - 1}")

    def ephemeral_marker(self, service: str) -> Path:
        return self.data / f"{service}.ephemeral"

    def use(self, service: str) -> IO:
        """Say this process uses the service until the returned file is closed."""
        self.data.mkdir(parents=True, exist_ok=True)
        users = open(self.data / f"{service}.users", "a")  # held open while CMD runs
        fcntl.flock(users, fcntl.LOCK_SH)
        return users

    def stop_if_last_user(self, service: str, stop: Callable[[], None]) -> None:
        """`stop()` (called with the claim held) when an `exec` started the server and no other
        `exec` still uses it."""
        with self.claim(service), open(self.data / f"{service}.users", "a") as users:
            marker = self.ephemeral_marker(service)
            if not marker.exists():
                return
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another `exec` still uses it; the last one out stops it
            stop()
            marker.unlink(missing_ok=True)
