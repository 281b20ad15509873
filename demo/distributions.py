"""What bulk seeding's data looks like (demo.seeding, demo.scans): the plan mix and per-plan
volumes, how tenants weigh against each other, real user agents and referrers, the hours people
scan at, the activity log's actions, names of companies, campaigns and files; and the sampling
they are drawn with (weighted picks, per-tenant allocation, real public addresses with a
GeoLite2 city)."""

from __future__ import annotations

import bisect
import ipaddress
import itertools
import random
from collections.abc import Sequence
from typing import Any

from qrcodes.enrichment import place
from tenants.plans import ENTERPRISE, MEDIUM_BUSINESS, SMALL_BUSINESS

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


def weighted(pairs: Sequence[tuple[float, Any]]) -> tuple[list[Any], list[float]]:
    return [v for _, v in pairs], list(itertools.accumulate(w for w, _ in pairs))


def pick(rng: random.Random, values: list[Any], cum: list[float]) -> Any:
    return values[bisect.bisect(cum, rng.random() * cum[-1])]


def allocate(rng: random.Random, total: int, orgs: list[dict], key: str) -> list[int]:
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


def place_pool(rng: random.Random, wanted: int) -> list[tuple[str, Any]]:
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
