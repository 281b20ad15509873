"""Bulk data at the seed's scale: `manage.py seed_demo --scale seed|10x`.

Generates the seed's summary volumes (225 organizations, 8,450 users, 12,345 QR codes,
1,234,567 scan events over the last year, 4,567 campaigns, 23,456 uploads, 456,789 activity
rows), or ten times that, with PostgreSQL COPY. Totals count the demo rows already there, so
`SELECT count(*) FROM qr_scan_events` answers exactly 1,234,567 after a seed run. The demo's
MegaBrand Inc becomes the largest tenant (log in as ceo@megabrand.example to see it).

Scan events are enriched with the workers' own functions (qrcodes.enrichment: GeoIP over real
public addresses sampled from the GeoLite2 database, user-agent parsing of real user agents),
classified, and marked counted; then counters and rollups are computed from them in bulk.
Uploads are rows only: no objects are stored. Cross-tenant by nature (it writes every tenant).

Not idempotent: a second run refuses, because the bulk organizations already exist.
"""

from __future__ import annotations

import bisect
import datetime as dt
import ipaddress
import itertools
import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import connection, transaction

from analytics.hot_codes import hot_codes_promote
from analytics.rollups import rollups_rebuild
from qrcodes.enrichment import device_info, ip_for_storage, ip_hash, place
from qrcodes.services import short_code_generate
from tenants.models import GB, Organization
from tenants.plans import ENTERPRISE, MEDIUM_BUSINESS, PLANS, SMALL_BUSINESS

BASE = {"organizations": 225, "users": 8450, "qr_codes": 12345, "scan_events": 1234567, "campaigns": 4567,
        "uploads": 23456, "activity": 456789}
SCALES = {"seed": 1, "10x": 10}
BULK_DOMAIN = "bulk.oi.example"
LARGEST_EMAIL = "hq@megabrand.example"
PLAN_MIX = [(SMALL_BUSINESS, 142), (MEDIUM_BUSINESS, 68), (ENTERPRISE, 15)]  # the seed's revenue table
# Per-plan (min, max) for capped plans; enterprise tenants share what is left by weight.
PER_ORG = {
    "users": {SMALL_BUSINESS: (1, 3), MEDIUM_BUSINESS: (3, 10)},
    "qr_codes": {SMALL_BUSINESS: (2, 5), MEDIUM_BUSINESS: (20, 100)},
    "campaigns": {SMALL_BUSINESS: (0, 3), MEDIUM_BUSINESS: (5, 40)},
    "uploads": {SMALL_BUSINESS: (0, 20), MEDIUM_BUSINESS: (20, 150)},
}
LARGEST_WEIGHT = {"users": 4, "qr_codes": 2, "campaigns": 3, "uploads": 3}
EVENT_WEIGHT = {SMALL_BUSINESS: 1, MEDIUM_BUSINESS: 10, ENTERPRISE: 40}
LARGEST_EVENT_WEIGHT = 400  # about a quarter of all scans
ACTIVITY_WEIGHT = {SMALL_BUSINESS: 1, MEDIUM_BUSINESS: 8, ENTERPRISE: 50}

USER_AGENTS = [  # (weight, user agent) -- real strings, parsed by the workers' own function
    (30, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"),
    (12, "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"),
    (20, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"),
    (10, "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"),
    (4, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1"),
    (4, "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"),
    (2, "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36"),
    (6, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
    (3, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"),
    (2, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"),
    (1, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"),
    (1, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
    (2, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (1, "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"),
    (1, "WhatsApp/2.23.20.0 A"),
    (1, "curl/8.5.0"),
]
REFERRERS = [(50, ""), (12, "https://www.instagram.com/"), (10, "https://www.facebook.com/"),
             (8, "https://www.google.com/"), (5, "https://t.co/"), (4, "https://www.linkedin.com/"),
             (4, "https://www.tiktok.com/"), (3, "android-app://com.google.android.gm/"),
             (2, "https://mail.yahoo.com/"), (2, "https://www.reddit.com/")]
LOCAL_HOUR_WEIGHT = [1, .5, .3, .2, .2, .4, 1, 2, 3, 4, 5, 6, 7, 6, 5, 5, 6, 7, 8, 7, 6, 4, 3, 2]
DUPLICATE_SHARE = 0.08
HOME_SHARE = 0.7
ACTIONS = [(40, "login", "user"), (12, "qr_code_create", "qr_code"), (10, "qr_code_update", "qr_code"),
           (8, "upload_file", "file"), (6, "campaign_create", "campaign"), (6, "campaign_update", "campaign"),
           (8, "campaign_social_share", "campaign"), (4, "qr_code_download", "qr_code"),
           (3, "user_invite", "user"), (3, "upload_delete", "file")]
CAMPAIGN_NAMES = ["Spring Sale", "Summer Menu", "Back to School", "Holiday Gift Guide", "Grand Opening",
                  "Loyalty Drive", "Product Launch", "Trade Show", "Valentine's Special", "Black Friday",
                  "City Tour", "Customer Survey", "Festival Booth", "Recruiting", "Charity Run"]
COMPANY_WORDS = ["Harbor", "Summit", "Maple", "Atlas", "Blue", "Golden", "Urban", "Nova", "Cedar", "River",
                 "Pioneer", "Bright", "Northern", "Silver", "Evergreen", "Lakeside", "Metro", "Sunset"]
COMPANY_KINDS = ["Pizza", "Coffee", "Hotels", "Fitness", "Books", "Dental", "Bakery", "Motors", "Events",
                 "Florists", "Realty", "Outfitters", "Brewing", "Clinic", "Studios", "Market"]
FILE_KINDS = [("pdf", "application/pdf", 2.0), ("png", "image/png", 0.8), ("jpg", "image/jpeg", 1.5),
              ("mp4", "video/mp4", 40.0), ("docx", "application/vnd.openxmlformats-officedocument."
                                                   "wordprocessingml.document", 0.5)]


def _weighted(pairs: Sequence[tuple[float, Any]]) -> tuple[list[Any], list[float]]:
    return [v for _, v in pairs], list(itertools.accumulate(w for w, _ in pairs))


def _pick(rng: random.Random, values: list[Any], cum: list[float]) -> Any:
    return values[bisect.bisect(cum, rng.random() * cum[-1])]


def _allocate(rng: random.Random, total: int, orgs: list[dict], key: str) -> list[int]:
    """Capped plans get a random count in their range; enterprise tenants share the rest by
    weight (the largest tenant several times more)."""
    counts = [0] * len(orgs)
    for i, o in enumerate(orgs):
        rng_range = PER_ORG[key].get(o["plan"])
        if rng_range:
            counts[i] = rng.randint(*rng_range)
    rest = max(0, total - sum(counts))
    weights = [(LARGEST_WEIGHT[key] * o["scale"] if o["largest"] else 1) if o["plan"] == ENTERPRISE else 0
               for o in orgs]
    wsum = sum(weights) or 1
    shares = [rest * w // wsum for w in weights]
    shares[max(range(len(orgs)), key=lambda i: weights[i])] += rest - sum(shares)
    return [c + s for c, s in zip(counts, shares, strict=True)]


def _copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    n = 0
    with connection.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _place_pool(rng: random.Random, wanted: int) -> list[tuple[str, Any]]:
    """Real public IPv4 addresses whose GeoLite2 record has a city, as (address, place)."""
    pool: list[tuple[str, Any]] = []
    tries = 0
    while len(pool) < wanted and tries < wanted * 40:
        tries += 1
        addr = ipaddress.IPv4Address(rng.getrandbits(32))
        if not addr.is_global:
            continue
        geo = place(str(addr))
        if geo is not None and geo.city and geo.country_code and geo.latitude is not None:
            pool.append((str(addr), geo))
    return pool


def _counts(cur: Any) -> dict[str, int]:
    out = {}
    for key, table in (("organizations", "organizations"), ("users", "users"), ("qr_codes", "qr_codes"),
                       ("scan_events", "qr_scan_events"), ("campaigns", "campaigns"),
                       ("uploads", "uploaded_files"), ("activity", "activity_log")):
        cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constant table names
        out[key] = cur.fetchone()[0]
    return out


def generate_at_scale(scale: str, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Fill the database to the seed's volumes times the scale. Returns the timings."""
    if scale not in SCALES:
        raise CommandError(f"Unknown scale {scale!r}; use one of {', '.join(SCALES)}.")
    factor = SCALES[scale]
    largest = Organization.objects.filter(company_email=LARGEST_EMAIL).first()
    if largest is None:
        raise CommandError("Run `manage.py seed_demo` first: the demo MegaBrand Inc becomes the largest tenant.")
    if Organization.objects.filter(company_email__endswith="@" + BULK_DOMAIN).exists():
        raise CommandError(f"Bulk data is already there (organizations @{BULK_DOMAIN}). Bulk seeding runs once per "
                           "database: drop and recreate the database to generate again.")
    timings: dict[str, Any] = {}
    started = time.monotonic()
    rng = random.Random(2026 * factor)
    with connection.cursor() as cur:
        have = _counts(cur)
    want = {k: v * factor for k, v in BASE.items()}
    need = {k: max(0, want[k] - have[k]) for k in BASE}
    log(f"generating {need} (target {want})")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    with transaction.atomic():
        orgs = _organizations(rng, need["organizations"], factor, largest, now)
        timings["organizations"] = _step(started, log, "organizations", len(orgs) - 1)
        users_by_org = _users(rng, orgs, need["users"], now)
        timings["users"] = _step(started, log, "users", sum(len(v) for v in users_by_org.values()))
        campaigns_by_org = _campaigns(rng, orgs, users_by_org, need["campaigns"], now)
        timings["campaigns"] = _step(started, log, "campaigns", sum(len(v) for v in campaigns_by_org.values()))
        qrs_by_org = _qr_codes(rng, orgs, users_by_org, campaigns_by_org, need["qr_codes"], now)
        timings["qr_codes"] = _step(started, log, "qr_codes", sum(len(v) for v in qrs_by_org.values()))
        n = _uploads(rng, orgs, users_by_org, campaigns_by_org, need["uploads"], now)
        timings["uploads"] = _step(started, log, "uploads", n)
        pool = _place_pool(rng, 4000)
        n = _scan_events(rng, orgs, qrs_by_org, pool, need["scan_events"], now)
        timings["scan_events"] = _step(started, log, "scan_events", n)
        n = _activity(rng, orgs, users_by_org, pool, need["activity"], now)
        timings["activity"] = _step(started, log, "activity", n)
        _counters()
        timings["counters"] = _step(started, log, "counters", 0)
        rollups_rebuild()
        timings["rollups"] = _step(started, log, "rollups", 0)
        n = hot_codes_promote(limit=None)
        timings["hot_codes"] = _step(started, log, "hot QR codes promoted", n)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE) qr_scan_events, analytics_org_block, analytics_qr_block, analytics_counted_scan, "
                    "analytics_qr_dim_block, analytics_hot_qr, "
                    "analytics_value_label, qr_codes, organizations, users, campaigns, uploaded_files, activity_log")
        timings["vacuum"] = _step(started, log, "vacuum analyze", 0)
        timings["totals"] = _counts(cur)
    log(f"done in {time.monotonic() - started:.0f} s: {timings['totals']}")
    return timings


def _step(started: float, log: Callable[[str], None], name: str, n: int) -> float:
    elapsed = round(time.monotonic() - started, 1)
    log(f"  {elapsed:7.1f} s  {name}: {n:,}")
    return elapsed


def _organizations(rng: random.Random, n: int, factor: int, largest: Organization, now: dt.datetime) -> list[dict]:
    plans: list[str] = []
    for plan, count in PLAN_MIX:
        plans += [plan] * (count * factor)
    rng.shuffle(plans)
    plans = plans[:n]
    # The largest tenant grows with the scale (its weights times the factor): at 10x it keeps its
    # share of everything, so "the largest tenant at 10x" has ten times the seed's largest.
    orgs = [{"id": largest.pk, "plan": largest.plan_type, "largest": True, "scale": factor}]
    rows = []
    for i, plan in enumerate(plans):
        p = PLANS[plan]
        oid = uuid.UUID(int=rng.getrandbits(128), version=4)
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {i + 1}"
        status = "active" if rng.random() > 0.03 else "suspended"
        created = now - dt.timedelta(days=rng.randint(30, 900), seconds=rng.randint(0, 86399))
        rows.append((oid, name, f"org{i + 1}@{BULK_DOMAIN}", plan, status, p.max_contributors, p.max_qr_codes,
                     p.storage_limit_gb, p.monthly_price, "", "", 0, 0, 0, 0, rng.random() < 0.05, created))
        orgs.append({"id": oid, "plan": plan, "largest": False, "n": i + 1, "created": created})
    _copy("organizations", ["id", "company_name", "company_email", "plan_type", "status", "max_contributors",
                            "max_qr_codes", "storage_limit_gb", "monthly_price", "phone", "billing_address",
                            "total_qr_codes", "total_qr_scans", "total_uploads", "storage_used_bytes",
                            "data_sharing_opted_out", "created_at"], rows)
    orgs[0]["n"] = 0
    orgs[0]["created"] = now - dt.timedelta(days=400)
    return orgs


def _when(rng: random.Random, start: dt.datetime, now: dt.datetime) -> dt.datetime:
    span = max(1, int((now - start).total_seconds()))
    return start + dt.timedelta(seconds=rng.randint(0, span))


def _users(rng: random.Random, orgs: list[dict], n: int, now: dt.datetime) -> dict[Any, list[uuid.UUID]]:
    password = make_password(settings.DEMO_PASSWORD)
    counts = _allocate(rng, n, orgs, "users")
    out: dict[Any, list[uuid.UUID]] = {}
    rows = []
    for o, count in zip(orgs, counts, strict=True):
        ids = []
        for j in range(count):
            uid = uuid.UUID(int=rng.getrandbits(128), version=4)
            role = "Admin" if j == 0 and not o["largest"] else ("Editor" if rng.random() < 0.25 else "Viewer")
            last = _when(rng, now - dt.timedelta(days=60), now)
            rows.append((password, False, uid, f"u{j + 1}.org{o['n']}@{BULK_DOMAIN}", f"Member {j + 1} of org {o['n']}",
                         role, "active", False, last, rng.randint(1, 300), "", _when(rng, o["created"], now), o["id"]))
            ids.append(uid)
        out[o["id"]] = ids
    _copy("users", ["password", "is_superuser", "id", "email", "full_name", "role", "status", "is_staff",
                    "last_login_at", "login_count", "last_login_location", "created_at", "organization_id"], rows)
    return out


def _campaigns(rng: random.Random, orgs: list[dict], users: dict, n: int, now: dt.datetime) -> dict[Any, list]:
    counts = _allocate(rng, n, orgs, "campaigns")
    out: dict[Any, list] = {}
    rows = []
    for o, count in zip(orgs, counts, strict=True):
        ids = []
        for j in range(count):
            cid = uuid.UUID(int=rng.getrandbits(128), version=4)
            start = (now - dt.timedelta(days=rng.randint(0, 360))).date()
            end = start + dt.timedelta(days=rng.randint(5, 120))
            status = "ended" if end < now.date() else rng.choice(["active", "active", "paused", "draft"])
            created = dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=rng.randint(1, 20))
            rows.append((cid, f"{rng.choice(CAMPAIGN_NAMES)} {start.year} #{j + 1}", "", start, end, status,
                         created, created, rng.choice(users[o["id"]]) if users.get(o["id"]) else None, o["id"]))
            ids.append(cid)
        out[o["id"]] = ids
    _copy("campaigns", ["id", "name", "description", "start_date", "end_date", "status", "created_at", "updated_at",
                        "created_by_user_id", "organization_id"], rows)
    return out


def _qr_codes(rng: random.Random, orgs: list[dict], users: dict, campaigns: dict, n: int,
              now: dt.datetime) -> dict[Any, list[uuid.UUID]]:
    counts = _allocate(rng, n, orgs, "qr_codes")
    out: dict[Any, list[uuid.UUID]] = {}
    rows = []
    places = ["Front door", "Menu", "Poster", "Flyer", "Billboard", "Packaging", "Table tent", "Receipt",
              "Shop window", "Business card", "Trade show booth", "Delivery box"]
    for o, count in zip(orgs, counts, strict=True):
        ids = []
        for j in range(count):
            qid = uuid.UUID(int=rng.getrandbits(128), version=4)
            kind = rng.choice(places)
            camp = rng.choice(campaigns[o["id"]]) if campaigns.get(o["id"]) and rng.random() < 0.6 else None
            created = now - dt.timedelta(days=370 + rng.randint(0, 30))
            status = "active" if rng.random() < 0.92 else rng.choice(["paused", "archived"])
            rows.append((qid, f"{kind} {j + 1}", f"{kind} location {j + 1}", f"https://example.com/o{o['n']}/q{j + 1}",
                         short_code_generate(), status, 0, None, created, created, camp,
                         rng.choice(users[o["id"]]) if users.get(o["id"]) else None, None, o["id"]))
            ids.append(qid)
        out[o["id"]] = ids
    _copy("qr_codes", ["id", "name", "location", "qr_url", "short_code", "status", "total_scans", "last_scanned_at",
                       "created_at", "updated_at", "campaign_id", "created_by_user_id", "linked_content_id",
                       "organization_id"], rows)
    return out


def _uploads(rng: random.Random, orgs: list[dict], users: dict, campaigns: dict, n: int, now: dt.datetime) -> int:
    counts = _allocate(rng, n, orgs, "uploads")

    def rows() -> Iterable[tuple]:
        for o, count in zip(orgs, counts, strict=True):
            for j in range(count):
                ext, mime, mb = rng.choice(FILE_KINDS)
                fid = uuid.UUID(int=rng.getrandbits(128), version=4)
                size = int(rng.lognormvariate(0, 1) * mb * 1024 * 1024)
                camp = rng.choice(campaigns[o["id"]]) if campaigns.get(o["id"]) and rng.random() < 0.5 else None
                yield (fid, f"file-{j + 1}.{ext}", ext, mime, size, f"organizations/{o['id']}/uploads/{fid}.{ext}", "",
                       _when(rng, now - dt.timedelta(days=365), now), camp, o["id"],
                       rng.choice(users[o["id"]]) if users.get(o["id"]) else None)

    return _copy("uploaded_files", ["id", "file_name", "file_type", "mime_type", "file_size_bytes", "storage_path",
                                    "file_url", "created_at", "campaign_id", "organization_id", "uploaded_by_user_id"],
                 rows())


def _scan_events(rng: random.Random, orgs: list[dict], qrs: dict, pool: list, n: int, now: dt.datetime) -> int:
    """Day by day over the last 365 days (growing, busier at weekends), tenants by weight,
    QR codes by a Zipf-like popularity, each tenant mostly scanned in its home country, local
    hours shifted to UTC by longitude."""
    orgs = [o for o in orgs if qrs.get(o["id"])]
    weights = [LARGEST_EVENT_WEIGHT * o["scale"] if o["largest"] else EVENT_WEIGHT[o["plan"]] for o in orgs]
    org_cum = list(itertools.accumulate(weights))
    by_country: dict[str, list] = {}
    for entry in pool:
        by_country.setdefault(entry[1].country_code, []).append(entry)
    countries = sorted(by_country, key=lambda c: -len(by_country[c]))[:25]
    for o in orgs:
        o["home"] = by_country[rng.choice(countries[:12])]
        k = len(qrs[o["id"]])
        o["qr_cum"] = list(itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(k)))
    pool_info = [(ip_for_storage(ip), ip_hash(ip), geo) for ip, geo in pool]
    home_info = {id(o["home"]): [(ip_for_storage(ip), ip_hash(ip), geo) for ip, geo in o["home"]] for o in orgs}
    uas, ua_cum = _weighted(USER_AGENTS)
    ua_info = {ua: device_info(ua) for ua in uas}
    refs, ref_cum = _weighted(REFERRERS)
    hour_cum = list(itertools.accumulate(LOCAL_HOUR_WEIGHT))
    days = 365
    day_w = [(0.4 + 1.2 * d / days) * (1.3 if (now.date() - dt.timedelta(days=days - 1 - d)).weekday() >= 5 else 1)
             for d in range(days)]
    wsum = sum(day_w)
    per_day = [int(n * w / wsum) for w in day_w]
    per_day[-1] += n - sum(per_day)
    columns = ["organization_id", "qr_code_id", "scanned_at", "method", "ip_address", "ip_hash", "user_agent",
               "referrer_url", "latitude", "longitude", "city", "state", "country", "country_code", "device_type",
               "os", "browser", "classification", "enriched_at", "counted_at"]

    def rows() -> Iterable[tuple]:
        for d, count in enumerate(per_day):
            day = dt.datetime.combine(now.date() - dt.timedelta(days=days - 1 - d), dt.time(), tzinfo=dt.UTC)
            batch = []
            for o in rng.choices(orgs, cum_weights=org_cum, k=count):
                qid = qrs[o["id"]][bisect.bisect(o["qr_cum"], rng.random() * o["qr_cum"][-1])]
                infos = home_info[id(o["home"])] if rng.random() < HOME_SHARE else pool_info
                ip, hashed, geo = infos[rng.randrange(len(infos))]
                local = bisect.bisect(hour_cum, rng.random() * hour_cum[-1])
                utc_hour = (local - round(geo.longitude / 15)) % 24
                at = day + dt.timedelta(hours=utc_hour, seconds=rng.randrange(3600))
                if at > now:
                    at = now - dt.timedelta(seconds=rng.randrange(3600))
                ua = _pick(rng, uas, ua_cum)
                info = ua_info[ua]
                cls = "bot" if info.is_bot else ("duplicate" if rng.random() < DUPLICATE_SHARE else "human")
                counted = at + dt.timedelta(seconds=rng.randint(1, 5))
                batch.append((o["id"], qid, at, "GET", ip, hashed, ua, _pick(rng, refs, ref_cum), geo.latitude,
                              geo.longitude, geo.city[:128], geo.state[:128], geo.country[:128], geo.country_code,
                              info.device_type, info.os, info.browser, cls, counted, counted))
            batch.sort(key=lambda r: r[2])  # the table fills in time order, as in production
            yield from batch

    return _copy("qr_scan_events", columns, rows())


def _activity(rng: random.Random, orgs: list[dict], users: dict, pool: list, n: int, now: dt.datetime) -> int:
    weights = [300 * o["scale"] if o["largest"] else ACTIVITY_WEIGHT[o["plan"]] for o in orgs]
    actions, action_cum = _weighted([(w, (a, e)) for w, a, e in ACTIONS])
    start = now - dt.timedelta(days=365)

    def rows() -> Iterable[tuple]:
        for o in rng.choices(orgs, weights=weights, k=n):
            action, entity = _pick(rng, actions, action_cum)
            ip, geo = pool[rng.randrange(len(pool))]
            meta = json.dumps({"platform": rng.choice(["facebook", "x", "linkedin", "whatsapp"])}
                              if action == "campaign_social_share" else {})
            member = rng.choice(users[o["id"]]) if users.get(o["id"]) else None
            yield (action, entity, str(uuid.UUID(int=rng.getrandbits(128), version=4)), meta, ip, geo.label,
                   _when(rng, start, now), member, o["id"])

    return _copy("activity_log", ["action", "entity_type", "entity_id", "metadata", "ip_address", "location",
                                  "created_at", "user_id", "organization_id"], rows())


def _counters() -> None:
    """The workers' counters, set from the events and rows in bulk (same rules as
    qrcodes.counting.counters_recompute: non-bot counted scans; active QR codes)."""
    with connection.cursor() as cur:
        cur.execute("""
            UPDATE qr_codes q SET total_scans = s.n, last_scanned_at = s.last
            FROM (SELECT qr_code_id, count(*) AS n, max(scanned_at) AS last FROM qr_scan_events
                  WHERE counted_at IS NOT NULL AND classification IN ('human', 'duplicate')
                  GROUP BY qr_code_id) s
            WHERE q.id = s.qr_code_id""")
        cur.execute("""
            UPDATE organizations o SET
              total_qr_scans = COALESCE((SELECT sum(total_scans) FROM qr_codes q WHERE q.organization_id = o.id), 0),
              total_qr_codes = (SELECT count(*) FROM qr_codes q WHERE q.organization_id = o.id AND q.status = 'active'),
              total_uploads = (SELECT count(*) FROM uploaded_files u WHERE u.organization_id = o.id),
              storage_used_bytes = COALESCE((SELECT sum(file_size_bytes) FROM uploaded_files u
                                             WHERE u.organization_id = o.id), 0)""")


__all__ = ["generate_at_scale", "BASE", "SCALES", "GB"]
