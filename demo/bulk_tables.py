"""Bulk seeding's COPY writers (demo.seeding): one per table, each drawing its rows from
demo.distributions and writing them with PostgreSQL COPY. The scan events are generated day by
day over the last year, the way production fills the table."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import random
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Model

from campaigns.models import Campaign
from core.enums import Classification
from demo.distributions import (
    ACTIONS,
    ACTIVITY_WEIGHT,
    CAMPAIGN_NAMES,
    COMPANY_KINDS,
    COMPANY_WORDS,
    DUPLICATE_SHARE,
    EVENT_WEIGHT,
    FILE_KINDS,
    HOME_SHARE,
    LARGEST_EVENT_WEIGHT,
    LOCAL_HOUR_WEIGHT,
    PLAN_MIX,
    REFERRERS,
    USER_AGENTS,
    allocate,
    pick,
    weighted,
)
from qrcodes.enrichment import device_info, ip_for_storage, ip_hash
from qrcodes.models import QRCode, ScanEvent
from qrcodes.services import short_code_generate
from tenants.models import ActivityLog, Organization, User
from tenants.plans import PLANS
from uploads.models import UploadedFile

BULK_DOMAIN = "bulk.oi.example"


def _copy(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    n = 0
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def organizations_copy(rng: random.Random, n: int, factor: int, largest: Organization, now: dt.datetime) -> list[dict]:
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
    _copy(Organization, ["id", "company_name", "company_email", "plan_type", "status", "max_contributors",
                            "max_qr_codes", "storage_limit_gb", "monthly_price", "phone", "billing_address",
                            "total_qr_codes", "total_qr_scans", "total_uploads", "storage_used_bytes",
                            "data_sharing_opted_out", "created_at"], rows)
    orgs[0]["n"] = 0
    orgs[0]["created"] = now - dt.timedelta(days=400)
    return orgs


def _when(rng: random.Random, start: dt.datetime, now: dt.datetime) -> dt.datetime:
    span = max(1, int((now - start).total_seconds()))
    return start + dt.timedelta(seconds=rng.randint(0, span))


def users_copy(rng: random.Random, orgs: list[dict], n: int, now: dt.datetime) -> dict[Any, list[uuid.UUID]]:
    password = make_password(settings.DEMO_PASSWORD)
    counts = allocate(rng, n, orgs, "users")
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
    _copy(User, ["password", "is_superuser", "id", "email", "full_name", "role", "status", "is_staff",
                    "last_login_at", "login_count", "last_login_location", "created_at", "organization_id"], rows)
    return out


def campaigns_copy(rng: random.Random, orgs: list[dict], users: dict, n: int, now: dt.datetime) -> dict[Any, list]:
    counts = allocate(rng, n, orgs, "campaigns")
    # Campaigns gained a share link (its code has a Python default, which COPY does not apply).
    share = {"share_code", "share_url"} <= {f.name for f in Campaign._meta.concrete_fields}
    out: dict[Any, list] = {}
    rows = []
    for o, count in zip(orgs, counts, strict=True):
        ids = []
        for j in range(count):
            cid = uuid.UUID(int=rng.getrandbits(128), version=4)
            start = (now - dt.timedelta(days=rng.randint(0, 360))).date()
            end = start + dt.timedelta(days=rng.randint(5, 120))
            # The status follows the dates (all started by today): ended, else running or paused.
            status = "ended" if end < now.date() else rng.choice(["active", "active", "paused"])
            created = dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=rng.randint(1, 20))
            rows.append((cid, f"{rng.choice(CAMPAIGN_NAMES)} {start.year} #{j + 1}", "", start, end, status,
                         created, created, rng.choice(users[o["id"]]) if users.get(o["id"]) else None, o["id"],
                         *([short_code_generate(), ""] if share else [])))
            ids.append(cid)
        out[o["id"]] = ids
    _copy(Campaign, ["id", "name", "description", "start_date", "end_date", "status", "created_at", "updated_at",
                        "created_by_user_id", "organization_id", *(["share_code", "share_url"] if share else [])], rows)
    return out


def qr_codes_copy(rng: random.Random, orgs: list[dict], users: dict, campaigns: dict, n: int,
              now: dt.datetime) -> dict[Any, list[uuid.UUID]]:
    counts = allocate(rng, n, orgs, "qr_codes")
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
    _copy(QRCode, ["id", "name", "location", "qr_url", "short_code", "status", "total_scans", "last_scanned_at",
                       "created_at", "updated_at", "campaign_id", "created_by_user_id", "linked_content_id",
                       "organization_id"], rows)
    return out


def uploads_copy(rng: random.Random, orgs: list[dict], users: dict, campaigns: dict, n: int, now: dt.datetime) -> int:
    counts = allocate(rng, n, orgs, "uploads")

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

    return _copy(UploadedFile, ["id", "file_name", "file_type", "mime_type", "file_size_bytes", "storage_path",
                                    "file_url", "created_at", "campaign_id", "organization_id", "uploaded_by_user_id"],
                 rows())


def scan_events_copy(rng: random.Random, orgs: list[dict], qrs: dict, pool: list, n: int, now: dt.datetime) -> int:
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
    uas, ua_cum = weighted(USER_AGENTS)
    ua_info = {ua: device_info(ua) for ua in uas}
    refs, ref_cum = weighted(REFERRERS)
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
                ua = pick(rng, uas, ua_cum)
                info = ua_info[ua]
                cls = (Classification.BOT if info.is_bot else
                       Classification.DUPLICATE if rng.random() < DUPLICATE_SHARE else Classification.HUMAN)
                counted = at + dt.timedelta(seconds=rng.randint(1, 5))
                batch.append((o["id"], qid, at, "GET", ip, hashed, ua, pick(rng, refs, ref_cum), geo.latitude,
                              geo.longitude, geo.city[:128], geo.state[:128], geo.country[:128], geo.country_code,
                              info.device_type, info.os, info.browser, cls, counted, counted))
            batch.sort(key=lambda r: r[2])  # the table fills in time order, as in production
            yield from batch

    return _copy(ScanEvent, columns, rows())


def activity_copy(rng: random.Random, orgs: list[dict], users: dict, pool: list, n: int, now: dt.datetime) -> int:
    weights = [300 * o["scale"] if o["largest"] else ACTIVITY_WEIGHT[o["plan"]] for o in orgs]
    actions, action_cum = weighted([(w, (a, e)) for w, a, e in ACTIONS])
    start = now - dt.timedelta(days=365)

    def rows() -> Iterable[tuple]:
        for o in rng.choices(orgs, weights=weights, k=n):
            action, entity = pick(rng, actions, action_cum)
            ip, geo = pool[rng.randrange(len(pool))]
            meta = json.dumps({"platform": rng.choice(["facebook", "x", "linkedin", "whatsapp"])}
                              if action == "campaign_social_share" else {})
            member = rng.choice(users[o["id"]]) if users.get(o["id"]) else None
            yield (action, entity, str(uuid.UUID(int=rng.getrandbits(128), version=4)), meta, ip, geo.label,
                   _when(rng, start, now), member, o["id"])

    return _copy(ActivityLog, ["action", "entity_type", "entity_id", "metadata", "ip_address", "location",
                                  "created_at", "user_id", "organization_id"], rows())
