"""Load: a realistic mix against gunicorn on loopback, for a bounded time (docs/reliability.md).

    .venv/bin/python bench/load.py            # or: make bench-load (embedded services)

Uses DATABASE_URL's server (a fresh database, BENCH_DB or `oi_bench`) and REDIS_URL. Seeds
--orgs enterprise organizations with --codes QR codes and an Admin each, starts gunicorn with
the Procfile's config (gthread 3 workers x 4 threads), one Celery worker process and beat (the
scan sweep every 2 s, as in production), then keeps --concurrency keep-alive connections busy
for --seconds (at most --max-requests) with this mix, each request drawn at random:

  90%  GET /s/<code>            a phone scanning (browser user agents, public addresses)
   8%  GET /dashboard           a logged-in user's dashboard (session cookie)
   2%  POST /api/qrcodes or PATCH /api/qrcodes/<id>   an API write with a JWT (half each)

and prints throughput, p50/p99 per kind and the errors (any status other than the expected
302 / 200 / 201-or-200, including 429s and no answer). Then it waits for the sweep to count
every scan and checks the counters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402 - after the path set-up
    LOGS,
    VENV_BIN,
    Connection,
    beat_cmd,
    bench_database_url,
    get_request,
    gunicorn_cmd,
    json_request,
    percentile,
    public_ips,
    recreate_database,
    start,
    stop,
    user_agents,
    wait_http,
    worker_cmd,
)

MIX = (("scan", 0.90), ("page", 0.08), ("api", 0.02))
EXPECTED = {"scan": {302}, "page": {200}, "api": {200, 201}}


def seed(n_orgs: int, n_codes: int) -> list[dict]:
    """Organizations with QR codes and a logged-in Admin each: session cookie and JWT."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from qrcodes.models import QRCode
    from tenants.models import Organization, User
    from tenants.services import organization_apply_plan
    from tenants.tokens import tokens_for

    tenants = []
    for i in range(n_orgs):
        org = Organization(company_name=f"Load Co {i}", company_email=f"hq{i}@load.example")
        organization_apply_plan(organization=org, plan_type="enterprise")
        org.save()
        codes = QRCode.all_orgs.bulk_create([
            QRCode(organization=org, name=f"load {i}-{j}", qr_url=f"https://load{i}.example/{j}",
                   short_code=secrets.token_hex(5)) for j in range(n_codes)])
        Organization.objects.filter(pk=org.pk).update(total_qr_codes=n_codes)
        user = User.objects.create_user(email=f"admin{i}@load.example", password=secrets.token_urlsafe(12),
                                        organization=org, role=User.Role.ADMIN, full_name=f"Admin {i}")
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        tenants.append({"codes": [c.short_code for c in codes], "ids": [str(c.pk) for c in codes],
                        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                        "jwt": tokens_for(user)["token"]})
    return tenants


def build(kind: str, tenant: dict, rnd: random.Random, uas: list[str], ips: list[str]) -> bytes:
    if kind == "scan":
        return get_request(f"/s/{rnd.choice(tenant['codes'])}", headers={
            "User-Agent": rnd.choice(uas), "X-Forwarded-For": f"{rnd.choice(ips)}, 127.0.0.1"})
    if kind == "page":
        return get_request("/dashboard", headers={"Cookie": tenant["cookie"], "User-Agent": uas[0]})
    auth = {"Authorization": f"Bearer {tenant['jwt']}"}
    if rnd.random() < 0.5:
        body = json.dumps({"name": f"load {rnd.randrange(10**9)}", "qr_url": "https://load.example/new"}).encode()
        return json_request("POST", "/api/qrcodes", body, headers=auth)
    body = json.dumps({"name": f"renamed {rnd.randrange(10**9)}"}).encode()
    return json_request("PATCH", f"/api/qrcodes/{rnd.choice(tenant['ids'])}", body, headers=auth)


async def drive(port: int, tenants: list[dict], seconds: float, max_requests: int, concurrency: int,
                rows: list[tuple[str, int, float]]) -> float:
    uas, ips = user_agents(), public_ips()
    kinds, weights = zip(*MIX, strict=True)
    sent = [0]
    t0 = time.perf_counter()
    t_end = t0 + seconds

    async def client(seed_: int) -> None:
        rnd = random.Random(seed_)
        conn = Connection(port)
        while sent[0] < max_requests and time.perf_counter() < t_end:
            sent[0] += 1
            kind = rnd.choices(kinds, weights)[0]
            status, secs = await conn.exchange(build(kind, rnd.choice(tenants), rnd, uas, ips), attempts=1)
            rows.append((kind, status, secs))
        conn.close()

    await asyncio.gather(*(client(i) for i in range(concurrency)))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=30, help="length of the measured run")
    ap.add_argument("--max-requests", type=int, default=100_000, help="stop earlier after this many")
    ap.add_argument("--warmup", type=float, default=3, help="seconds of the same mix before measuring")
    ap.add_argument("--concurrency", type=int, default=16, help="keep-alive client connections")
    ap.add_argument("--orgs", type=int, default=5)
    ap.add_argument("--codes", type=int, default=100, help="QR codes per organization")
    ap.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8102)))
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()

    base_db, redis = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not base_db or not redis:
        raise SystemExit("Set DATABASE_URL and REDIS_URL (or run `make bench-load`, which starts the embedded services).")
    recreate_database(base_db)
    env = {**os.environ, "DATABASE_URL": bench_database_url(base_db), "DJANGO_SETTINGS_MODULE": "bench.redirect_site",
           "PYTHONPATH": str(ROOT)}
    os.environ.update(env)
    LOGS.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    import django

    django.setup()
    from django.db import connection

    tenants = seed(args.orgs, args.codes)
    connection.close()
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["gunicorn"] = start(gunicorn_cmd(args.port, args.workers, args.threads), env, LOGS / "gunicorn.log")
        procs["worker"] = start(worker_cmd(), env, LOGS / "worker.log")
        procs["beat"] = start(beat_cmd(LOGS), env, LOGS / "beat.log")
        wait_http(args.port)
        print(f"gunicorn gthread --workers {args.workers} --threads {args.threads} on 127.0.0.1:{args.port}, "
              f"1 Celery worker process + beat; {args.concurrency} keep-alive clients; {args.orgs} organizations x "
              f"{args.codes} QR codes; mix {', '.join(f'{k} {w:.0%}' for k, w in MIX)}; {os.cpu_count()} CPUs")
        asyncio.run(drive(args.port, tenants, args.warmup, args.max_requests, args.concurrency, []))
        rows: list[tuple[str, int, float]] = []
        seconds = asyncio.run(drive(args.port, tenants, args.seconds, args.max_requests, args.concurrency, rows))
        print(f"\n{len(rows):,} requests in {seconds:.1f} s = {len(rows) / seconds:,.0f} req/s\n")
        print(f"{'kind':28} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  statuses")
        labels = {"scan": "scan  GET /s/<code>", "page": "page  GET /dashboard", "api": "api   POST|PATCH /api/qrcodes"}
        total_errors = 0
        for kind, _ in MIX:
            mine = [(s, x) for k, s, x in rows if k == kind]
            lat = [x for s, x in mine if s]
            statuses = Counter(s for s, _ in mine)
            errors = sum(n for s, n in statuses.items() if s not in EXPECTED[kind])
            total_errors += errors
            print(f"{labels[kind]:28} {len(mine):9,} {len(mine) / seconds:8,.0f} {percentile(lat, 50):8.2f} "
                  f"{percentile(lat, 99):8.2f} {errors:7,}  "
                  + ", ".join(f"{s or 'no answer'}: {n:,}" for s, n in sorted(statuses.items())))
        print(f"\nerrors: {total_errors:,} of {len(rows):,}")

        from django.db.models import Sum

        from core.enums import Classification
        from qrcodes.counting import scan_pending_count
        from qrcodes.models import QRCode, ScanEvent

        t0 = time.monotonic()
        while scan_pending_count() and time.monotonic() - t0 < 300:
            time.sleep(0.5)
        counted = QRCode.all_orgs.aggregate(s=Sum("total_scans"))["s"]
        non_bot = ScanEvent.all_orgs.exclude(classification=Classification.BOT).count()
        print(f"sweep caught up {time.monotonic() - t0:.1f} s after the run; check: sum(total_scans) = {counted:,} = "
              f"non-bot events {non_bot:,}: {'ok' if counted == non_bot else 'MISMATCH'}")
    finally:
        for p in procs.values():
            stop(p)


if __name__ == "__main__":
    main()
