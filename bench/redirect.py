"""Benchmark of the scan hot path and the enrichment workers, in one run.

    .venv/bin/python bench/redirect.py            # or: make bench-redirect (embedded services)

Uses DATABASE_URL's server (a fresh `oi_bench` database on it) and REDIS_URL. Starts gunicorn
on 127.0.0.1 with a fixed config, a Celery worker (one process) and Celery beat, then:

  (c) GET /s/_bare/<code>: a bare Django view answering the same 302, no database
  (a) GET /s/<code> spread over many QR codes
  (b) GET /s/<code> on one popular QR code
  (e) GET /s/<code> over codes with 5 rules (2 device, 2 schedule, an A/B split; issue 15)
  (f) GET /s/<code> over codes whose first rule is by country (GeoIP on the request)
  -> requests/s, p50, p99, ratios a/c, b/a, e/a (aim >= 0.9) and f/a (aim >= 0.8);
     scan-to-counter lag p95 (beat + worker live)
  enrichment events/s with one worker process: batch sweep vs one task per scan.

Each phase sends a fixed number of requests from a fixed number of keep-alive connections.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402 - after the path set-up
    QUEUE,
    VENV_BIN,
    beat_cmd,
    bench_database_url,
    gunicorn_cmd,
    public_ips,
    recreate_database,
    start,
    stop,
    user_agents,
    wait_http,
    worker_cmd,
)

# -- load generator -------------------------------------------------------------------------

@dataclass
class PhaseResult:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000


async def _client(port: int, paths: list[str], uas: list[str], ips: list[str], counter: list[int],
                  total: int, latencies: list[float], errors: list[int], rate: float | None, t_start: float) -> None:
    reader = writer = None
    rnd = random.Random()
    while True:
        i = counter[0]
        if i >= total:
            break
        counter[0] += 1
        if rate:  # paced: request i leaves at t_start + i / rate
            delay = t_start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        req = (f"GET {paths[i % len(paths)]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"User-Agent: {rnd.choice(uas)}\r\nX-Forwarded-For: {rnd.choice(ips)}, 127.0.0.1\r\n\r\n").encode()
        for _attempt in range(3):
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                t0 = time.perf_counter()
                writer.write(req)
                status = await reader.readline()
                length, close = 0, False
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b""):
                        break
                    k, _, v = line.decode("latin-1").partition(":")
                    if k.lower() == "content-length":
                        length = int(v)
                    elif k.lower() == "connection" and "close" in v.lower():
                        close = True
                if length:
                    await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if not status.startswith(b"HTTP/1.1 302"):
                    errors[0] += 1
                if close:
                    writer.close()
                    writer = None
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                writer = None
    if writer is not None:
        writer.close()


async def _drive(port: int, paths: list[str], total: int, concurrency: int, uas, ips,
                 rate: float | None = None) -> tuple[float, list[float], int]:
    counter, latencies, errors = [0], [], [0]
    t0 = time.perf_counter()
    await asyncio.gather(*(_client(port, paths, uas, ips, counter, total, latencies, errors, rate, t0)
                           for _ in range(concurrency)))
    return time.perf_counter() - t0, latencies, errors[0]


def run_phase(name: str, port: int, paths: list[str], total: int, concurrency: int, warmup: int, uas, ips,
              rate: float | None = None) -> PhaseResult:
    if warmup:
        asyncio.run(_drive(port, paths, warmup, concurrency, uas, ips))
    seconds, latencies, errors = asyncio.run(_drive(port, paths, total, concurrency, uas, ips, rate))
    return PhaseResult(name, total, seconds, latencies, errors)


def merge(results: list[PhaseResult]) -> PhaseResult:
    """Median req/s over the rounds, latencies pooled."""
    rps = statistics.median(r.rps for r in results)
    total = sum(r.requests for r in results)
    return PhaseResult(results[0].name, total, total / rps, [x for r in results for x in r.latencies],
                       sum(r.errors for r in results))


# -- data (inside this process, Django set up on the bench database) ---------------------------

def seed(n_codes: int):
    from qrcodes.models import QRCode
    from tenants.models import Organization
    from tenants.services import organization_apply_plan

    org = Organization(company_name="Bench Corp", company_email="bench@bench.example")
    organization_apply_plan(organization=org, plan_type="enterprise")
    org.save()
    codes = QRCode.all_orgs.bulk_create([
        QRCode(organization=org, name=f"bench {i}", qr_url=f"https://bench.example/{i}",
               short_code=secrets.token_hex(5)) for i in range(n_codes)
    ])
    Organization.objects.filter(pk=org.pk).update(total_qr_codes=n_codes)
    return org, codes


FIVE_RULES = {"rules": [
    {"kind": "device", "devices": ["ios"], "url": "https://apps.apple.com/app/bench"},
    {"kind": "device", "devices": ["android"], "url": "https://play.google.com/store/apps/bench"},
    {"kind": "schedule", "days": [5, 6], "start": "11:00", "end": "14:00", "url": "https://bench.example/brunch"},
    {"kind": "schedule", "from": "2020-02-01", "until": "2020-02-14", "url": "https://bench.example/valentine"},
    {"kind": "split", "variants": [{"url": "https://bench.example/a", "weight": 50},
                                   {"url": "https://bench.example/b", "weight": 50}]}]}
COUNTRY_RULE = {"rules": [{"kind": "country", "countries": ["GB", "FR", "DE"], "url": "https://bench.example/eu"}]}


def seed_routed(org, n_codes: int, routing: dict, tag: str):
    """Codes of the same organization with smart-destination rules (issue 15)."""
    from qrcodes.models import QRCode
    from qrcodes.routing import routing_parse

    return QRCode.all_orgs.bulk_create([
        QRCode(organization=org, name=f"bench {tag} {i}", qr_url=f"https://bench.example/{tag}/{i}",
               short_code=secrets.token_hex(5), routing=routing_parse(routing)) for i in range(n_codes)
    ])


def insert_pending(org, codes, n: int, uas: list[str], ips: list[str]) -> None:
    from django.utils import timezone

    from qrcodes.enrichment import ip_for_storage, ip_hash
    from qrcodes.models import ScanEvent

    rnd = random.Random(3)
    now = timezone.now()
    rows = []
    for _ in range(n):
        ip = rnd.choice(ips)
        rows.append(ScanEvent(organization=org, qr_code=rnd.choice(codes), scanned_at=now, method="GET",
                              ip_address=ip_for_storage(ip), ip_hash=ip_hash(ip), user_agent=rnd.choice(uas)))
    ScanEvent.all_orgs.bulk_create(rows, batch_size=2000)


def pending() -> int:
    from qrcodes.counting import scan_pending_count

    return scan_pending_count()


def wait_drained(timeout: float) -> float:
    t0 = time.monotonic()
    while pending():
        if time.monotonic() - t0 > timeout:
            raise SystemExit(f"{pending()} events still pending after {timeout}s; see .data/bench/worker.log")
        time.sleep(0.05)
    return time.monotonic() - t0


def lag_p95(since) -> tuple[float, int]:
    from django.db import connection

    from qrcodes.models import ScanEvent

    sql = ("SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM counted_at - scanned_at)), "  # noqa: S608
           f"count(*) FROM {ScanEvent._meta.db_table} WHERE scanned_at >= %s AND counted_at IS NOT NULL")
    with connection.cursor() as cur:
        cur.execute(sql, [since])
        p95, n = cur.fetchone()
    return float(p95 or 0), n


def stage_breakdown(batch: int = 1000) -> dict[str, float]:
    """Milliseconds per stage of one warm batch, measured in this process (rolled back)."""
    from django.db import transaction
    from django.utils import timezone

    from qrcodes import counting as C
    from qrcodes.models import ScanEvent

    out: dict[str, float] = {}
    with transaction.atomic():
        t = time.perf_counter()
        events = list(ScanEvent.objects.unscoped().filter(counted_at__isnull=True).order_by("id")
                      .select_for_update(skip_locked=True, of=("self",))[:batch])
        out["claim"] = time.perf_counter() - t
        t = time.perf_counter()
        C._duplicate_ids(events)
        out["duplicates"] = time.perf_counter() - t
        t = time.perf_counter()
        C._enrich_and_classify(events)
        out["enrich+classify (incl. duplicates)"] = time.perf_counter() - t
        now = timezone.now()
        for e in events:
            e.enriched_at = e.counted_at = now
        t = time.perf_counter()
        C._save(events, now)
        out["save events"] = time.perf_counter() - t
        t = time.perf_counter()
        C._count(events)
        out["counters"] = time.perf_counter() - t
        t = time.perf_counter()
        C.hooks.run(C.hooks.scans_counted, events)
        out["analytics rollups"] = time.perf_counter() - t
        transaction.set_rollback(True)
    return {k: v * 1000 * 1000 / max(1, len(events)) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=3000, help="requests per case and round (after warm-up)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of (c), (a), (b)")
    ap.add_argument("--concurrency", type=int, default=16, help="keep-alive client connections")
    ap.add_argument("--codes", type=int, default=500, help="QR codes for the spread case")
    ap.add_argument("--lag-rate", type=float, default=150, help="scans/s for the lag measurement")
    ap.add_argument("--lag-seconds", type=float, default=20, help="length of the lag measurement")
    ap.add_argument("--per-scan-events", type=int, default=1000, help="events for one-task-per-scan mode")
    ap.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8101)))
    ap.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (as in the Procfile)")
    ap.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    args = ap.parse_args()

    base_db = os.environ.get("DATABASE_URL")
    redis = os.environ.get("REDIS_URL")
    if not base_db or not redis:
        raise SystemExit("Set DATABASE_URL and REDIS_URL (or run `make bench-redirect`, which starts the embedded services).")
    recreate_database(base_db)
    env = {**os.environ, "DATABASE_URL": bench_database_url(base_db), "DJANGO_SETTINGS_MODULE": "bench.redirect_site",
           "SCAN_SWEEP_SECONDS": os.environ.get("SCAN_SWEEP_SECONDS", "2"), "PYTHONPATH": str(ROOT)}
    os.environ.update(env)
    logs = ROOT / ".data" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.db import connection

    from bench.per_scan_task import scan_event_process
    from qrcodes.tasks import scan_sweep

    uas, ips = user_agents(), public_ips()
    org, codes = seed(args.codes)
    popular = codes[0]
    ruled = seed_routed(org, args.codes, FIVE_RULES, "rules")
    by_country = seed_routed(org, args.codes, COUNTRY_RULE, "country")
    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["gunicorn"] = start(gunicorn_cmd(args.port, args.workers, args.threads), env, logs / "gunicorn.log")
        procs["worker"] = start(worker_cmd(), env, logs / "worker.log")
        beat = beat_cmd(logs)
        procs["beat"] = start(beat, env, logs / "beat.log")
        wait_http(args.port)
        print(f"gunicorn gthread --workers {args.workers} --threads {args.threads} on 127.0.0.1:{args.port}; "
              f"{args.concurrency} keep-alive clients, {args.rounds} rounds x {args.requests} requests per case; "
              f"{os.cpu_count()} CPUs")
        warm = max(200, args.requests // 10)
        from django.utils import timezone

        # 1. The request path alone: beat stopped, so the worker is idle and (a)/(b) compete
        #    with nothing that (c) does not also compete with. Events pile up as pending.
        stop(procs.pop("beat"))
        # Rounds interleave the three cases so drift on a shared machine hits them alike;
        # req/s is the median over rounds, percentiles pool every request.
        cases = [("(c) bare 302, no DB", [f"/s/_bare/{q.short_code}" for q in codes]),
                 ("(a) /s/ over many codes", [f"/s/{q.short_code}" for q in codes]),
                 ("(b) /s/ one popular code", [f"/s/{popular.short_code}"]),
                 ("(e) /s/ codes with 5 rules", [f"/s/{q.short_code}" for q in ruled]),
                 ("(f) /s/ codes, country rule", [f"/s/{q.short_code}" for q in by_country])]
        runs: dict[str, list[PhaseResult]] = {name: [] for name, _ in cases}
        for rnd in range(args.rounds):
            for name, paths in cases:
                runs[name].append(run_phase(name, args.port, paths, args.requests, args.concurrency,
                                            warm if rnd == 0 else 0, uas, ips))
        c, a, b, e, f = (merge(runs[name]) for name, _ in cases)
        print(f"\n{'case':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for r in (c, a, b, e, f):
            print(f"{r.name:28} {r.rps:8.0f} {r.pct(50):8.2f} {r.pct(99):8.2f} {r.errors:7d}")
        print(f"\na/c = {a.rps / c.rps:.2f} (aim >= 0.6); p99 a/c = {a.pct(99) / c.pct(99):.2f}x (aim <= 2x)")
        print(f"b/a = {b.rps / a.rps:.2f} (aim >= 0.9)")
        print(f"e/a = {e.rps / a.rps:.2f} (5 rules; aim >= 0.9); f/a = {f.rps / a.rps:.2f} (country rule; aim >= 0.8)")

        # 2. Enrichment throughput of one worker process on the backlog, both modes.
        pending_now = pending()
        connection.close()
        t0 = time.monotonic()
        scan_sweep.apply_async(queue=QUEUE)
        wait_drained(900)
        batch_rate = pending_now / (time.monotonic() - t0)
        insert_pending(org, codes, args.per_scan_events, uas, ips)
        from qrcodes.models import ScanEvent

        ids = list(ScanEvent.all_orgs.filter(counted_at__isnull=True).values_list("id", flat=True))
        t0 = time.monotonic()
        for i in ids:
            scan_event_process.apply_async(args=[i], queue=QUEUE)
        wait_drained(900)
        single_rate = len(ids) / (time.monotonic() - t0)
        insert_pending(org, codes, 2000, uas, ips)
        stages = stage_breakdown()
        ScanEvent.all_orgs.filter(counted_at__isnull=True).delete()
        print(f"\nenrichment, 1 worker process, batch sweep:    {batch_rate:7,.0f} events/s "
              f"({pending_now} events from (a)+(b); aim >= 2,000)")
        print(f"enrichment, 1 worker process, task per scan:  {single_rate:7,.0f} events/s ({len(ids)} events)")
        print(f"batch / per-scan = {batch_rate / single_rate:.1f}x (aim >= 10x)")
        print("one batch of 1000, microseconds per event: " + ", ".join(f"{k} {v:.0f}" for k, v in stages.items()))
        mine = sum(v for k, v in stages.items() if k not in ("analytics rollups", "duplicates"))
        print(f"  -> qrcodes stages alone ~{1e6 / mine:,.0f} events/s; with analytics rollups "
              f"~{1e6 / (mine + stages['analytics rollups']):,.0f} events/s")

        # 3. Scan-to-counter lag at a steady rate with beat and the worker live.
        procs["beat"] = start(beat, env, logs / "beat.log")
        time.sleep(3)
        since = timezone.now()
        d = run_phase("(d) steady /s/ load", args.port, [f"/s/{q.short_code}" for q in codes],
                      int(args.lag_rate * args.lag_seconds), args.concurrency, 0, uas, ips, rate=args.lag_rate)
        wait_drained(120)
        p95, n = lag_p95(since)
        print(f"\nscan-to-counter lag p95 = {p95:.2f} s over {n} scans at {d.rps:.0f} scans/s "
              f"(beat every {env['SCAN_SWEEP_SECONDS']} s, 1 worker process; aim <= 10 s)")
        from django.db.models import Sum

        from core.enums import Classification
        from qrcodes.models import QRCode

        total = ScanEvent.all_orgs.exclude(classification=Classification.BOT).count()
        counted = QRCode.all_orgs.aggregate(s=Sum("total_scans"))["s"]
        print(f"check: sum(total_scans) = {counted} = non-bot events {total}: {'ok' if counted == total else 'MISMATCH'}")
    finally:
        for p in procs.values():
            stop(p)


if __name__ == "__main__":
    main()
