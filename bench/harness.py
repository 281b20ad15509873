"""What the benchmarks share: the services they start (a fresh database on DATABASE_URL's
server, gunicorn on loopback with the Procfile's config, a Celery worker and beat on a private
queue, a supervisor that restarts them as systemd would), realistic phones (user agents, public
addresses), a small raw-HTTP client that keeps connections alive, and the clients that drive it
and record every answer. Used by bench/redirect.py, bench/load.py and bench/faults.py."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
BENCH_DB = os.environ.get("BENCH_DB", "oi_bench")  # one per concurrent run on a shared server
QUEUE = "oi-bench"  # bench.redirect_site.CELERY_TASK_DEFAULT_QUEUE
LOGS = ROOT / ".data" / "bench"

USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS {v}_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v}.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android {a}; Pixel {p}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{c}.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android {a}; SM-S9{p}1B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/2{p}.0 Chrome/{c}.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS {v}_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v}.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{c}.0.0.0 Safari/537.36",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
]


def user_agents(n: int = 60) -> list[str]:
    rnd = random.Random(7)
    out = []
    for _ in range(n):
        t = rnd.choice(USER_AGENTS)
        out.append(t.format(v=rnd.randint(14, 18), a=rnd.randint(10, 14), p=rnd.randint(4, 9), c=rnd.randint(110, 130)))
    return out


def public_ips(n: int = 2000) -> list[str]:
    rnd = random.Random(11)
    firsts = [24, 50, 68, 71, 73, 81, 86, 92, 98, 128, 151, 174, 185, 203]
    return [f"{rnd.choice(firsts)}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}" for _ in range(n)]


def percentile(latencies: list[float], p: float) -> float:
    """The p-th percentile in milliseconds (nearest rank); 0 with no samples."""
    if not latencies:
        return 0.0
    xs = sorted(latencies)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000


# -- services -------------------------------------------------------------------------------

def bench_database_url(base: str, name: str = BENCH_DB) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(base: str, name: str = BENCH_DB) -> None:
    import psycopg

    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def start(cmd: list[str], env: dict, log: Path, *, append: bool = False) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("a" if append else "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the process group: no shutdown, no cleanup, as a crash or the OOM killer."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def wait_http(port: int, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start; see .data/bench/gunicorn.log")


def gunicorn_cmd(port: int, workers: int = 3, threads: int = 4) -> list[str]:
    """The Procfile's server config on loopback."""
    return [str(VENV_BIN / "gunicorn"), "outbound_impact.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
            "--keep-alive", "30", "--log-level", "warning"]


def worker_cmd(concurrency: int = 1) -> list[str]:
    return [str(VENV_BIN / "celery"), "-A", "outbound_impact", "worker", "-Q", QUEUE,
            "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--loglevel=WARNING"]


def beat_cmd(logs: Path = LOGS) -> list[str]:
    return [str(VENV_BIN / "celery"), "-A", "outbound_impact", "beat", "--loglevel=WARNING",
            "--schedule", str(logs / "celerybeat-schedule")]


class Supervisor:
    """Restarts a process that exited, as systemd (Restart=always, RestartSec=1) or Kubernetes
    would: the Celery worker exits when its Redis connection drops (kombu raises an
    AttributeError on the dead connection, an "Unrecoverable error"), so production must run it
    under one. Counts the restarts so the drill reports them."""

    def __init__(self, env: dict, logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: dict[str, subprocess.Popen] = {}
        self.cmds: dict[str, list[str]] = {}
        self.restarts: Counter = Counter()
        self.paused: set[str] = set()
        self.running = True
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def start(self, name: str, cmd: list[str]) -> None:
        with self.lock:
            self.cmds[name] = cmd
            self.procs[name] = start(cmd, self.env, self.logs / f"{name}.log")

    def _watch(self) -> None:
        while self.running:
            time.sleep(1)
            with self.lock:
                for name, proc in list(self.procs.items()):
                    if proc.poll() is not None and name not in self.paused and self.running:
                        self.restarts[name] += 1
                        self.procs[name] = start(self.cmds[name], self.env, self.logs / f"{name}.log", append=True)

    def stop_all(self) -> None:
        self.running = False
        with self.lock:
            for proc in self.procs.values():
                stop(proc)


def wait_until(predicate, timeout: float, step: float = 0.2) -> float | None:
    """Seconds until predicate() held, or None after timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        with contextlib.suppress(Exception):  # the database may be restarting
            if predicate():
                return time.monotonic() - t0
        time.sleep(step)
    return None


# -- a raw HTTP/1.1 keep-alive client ----------------------------------------------------------

class Connection:
    """One keep-alive connection to 127.0.0.1:port; reconnects after a close or a reset."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, raw: bytes, attempts: int = 3) -> tuple[int, float]:
        """Send one request; (status, seconds). Status 0: no answer after `attempts`."""
        for _attempt in range(attempts):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                t0 = time.perf_counter()
                self.writer.write(raw)
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed before the status line")
                length, close, chunked = 0, False, False
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    k, _, v = line.decode("latin-1").partition(":")
                    k = k.lower()
                    if k == "content-length":
                        length = int(v)
                    elif k == "connection" and "close" in v.lower():
                        close = True
                    elif k == "transfer-encoding" and "chunked" in v.lower():
                        chunked = True
                if chunked:
                    while True:
                        size = int((await self.reader.readline()).split(b";")[0], 16)
                        await self.reader.readexactly(size + 2)
                        if size == 0:
                            break
                elif length:
                    await self.reader.readexactly(length)
                seconds = time.perf_counter() - t0
                if close:
                    self.close()
                return int(status_line.split()[1]), seconds
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.close()
        return 0, 0.0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def get_request(path: str, *, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def json_request(method: str, path: str, body: bytes, *, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -- traffic ---------------------------------------------------------------------------------

class Recorder:
    """(kind, status, latency, time) of every request, for per-kind and per-period counts."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, float, float]] = []

    def add(self, kind: str, status: int, seconds: float) -> None:
        self.rows.append((kind, status, seconds, time.monotonic()))

    def statuses(self, kind: str, since: float = 0.0, until: float = float("inf")) -> Counter:
        return Counter(s for k, s, _, t in self.rows if k == kind and since <= t < until)

    def latencies(self, kind: str, since: float = 0.0, until: float = float("inf")) -> list[float]:
        return [x for k, s, x, t in self.rows if k == kind and since <= t < until and s]


async def scan_clients(port: int, codes: list[str], total: int | None, seconds: float | None, rec: Recorder,
                       concurrency: int = 16, rate: float | None = None) -> None:
    """Phones scanning: GET /s/<code> with browser user agents from public addresses (the
    bench settings trust 127.0.0.1 as the proxy that sets X-Forwarded-For)."""
    uas, ips = user_agents(), public_ips()
    sent = [0]
    t_end = time.monotonic() + seconds if seconds else None
    t0 = time.monotonic()

    async def one() -> None:
        conn = Connection(port)
        rnd = random.Random()
        while True:
            i = sent[0]
            if (total is not None and i >= total) or (t_end is not None and time.monotonic() >= t_end):
                break
            sent[0] += 1
            if rate:
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            raw = get_request(f"/s/{codes[i % len(codes)]}", headers={
                "User-Agent": rnd.choice(uas), "X-Forwarded-For": f"{rnd.choice(ips)}, 127.0.0.1"})
            status, secs = await conn.exchange(raw, attempts=1)
            rec.add("scan", status, secs)
        conn.close()

    await asyncio.gather(*(one() for _ in range(concurrency)))


async def paced_client(port: int, kind: str, raw: bytes, seconds: float, interval: float, rec: Recorder) -> None:
    conn = Connection(port)
    t_end = time.monotonic() + seconds
    while time.monotonic() < t_end:
        status, secs = await conn.exchange(raw, attempts=1)
        rec.add(kind, status, secs)
        await asyncio.sleep(interval)
    conn.close()
