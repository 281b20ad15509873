"""What a worker learns about a raw scan: device, OS and browser from the user agent, place
from the IP, and whether it was a bot. Pure functions, cached per distinct input, because a
batch repeats the same few user agents and `user_agents.parse` costs ~0.6 ms per new string.

Privacy helpers (hash and truncation of the client IP) live here too: the request path calls
them at capture time, so a full IP never reaches the database unless SCAN_STORE_FULL_IP is on."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.crypto import salted_hmac
from user_agents import parse as parse_user_agent

from core.geoip import GeoResult, geoip_lookup

DEVICE_MOBILE = "mobile"
DEVICE_TABLET = "tablet"
DEVICE_DESKTOP = "desktop"
DEVICE_BOT = "bot"
DEVICE_OTHER = "other"

# Link-preview fetchers and HTTP libraries that ua-parser does not flag as spiders. A QR code
# scanned by a person always comes with a browser or camera-app user agent.
_EXTRA_BOT_UA = re.compile(
    r"crawl|spider|slurp|preview|headless-?bot|facebookexternalhit|facebookcatalog|whatsapp|slack|"
    r"telegram|discord|skypeuripreview|embedly|iframely|pinterest|vkshare|redditbot|applebot|"
    r"snapchat|viber|google-pagerenderer|w3c_validator|curl/|wget/|python-requests|python-urllib|"
    r"python-httpx|aiohttp|go-http-client|libwww-perl|apache-httpclient|java/",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DeviceInfo:
    device_type: str
    os: str
    browser: str
    is_bot: bool


@lru_cache(maxsize=8192)
def device_info(user_agent: str) -> DeviceInfo:
    """device_type (mobile|tablet|desktop|bot|other), os ("iOS 16.0"), browser, bot flag.
    An empty user agent is a script, not a phone: bot."""
    if not user_agent.strip():
        return DeviceInfo(DEVICE_BOT, "", "", True)
    ua = parse_user_agent(user_agent)
    is_bot = bool(ua.is_bot or _EXTRA_BOT_UA.search(user_agent))
    if is_bot:
        device = DEVICE_BOT
    elif ua.is_tablet:
        device = DEVICE_TABLET
    elif ua.is_mobile:
        device = DEVICE_MOBILE
    elif ua.is_pc:
        device = DEVICE_DESKTOP
    else:
        device = DEVICE_OTHER
    os_name = f"{ua.os.family} {ua.os.version_string}".strip()
    return DeviceInfo(device, os_name[:64], (ua.browser.family or "")[:64], is_bot)


@lru_cache(maxsize=65536)
def place(ip: str | None) -> GeoResult | None:
    """City-level location (cached per address; the GeoIP database is read-only)."""
    return geoip_lookup(ip)


def ip_hash(ip: str | None) -> str:
    """Keyed hash of the full address (HMAC with SECRET_KEY): duplicates can be matched
    without keeping the address, and nobody without the key can reverse it by brute force."""
    if not ip:
        return ""
    return salted_hmac("qrcodes.scan.ip", ip, algorithm="sha256").hexdigest()


def ip_for_storage(ip: str | None) -> str | None:
    """The address as stored: full when SCAN_STORE_FULL_IP, else IPv4 /24 (last octet zeroed)
    or IPv6 /48 (last 80 bits zeroed) -- still precise enough for city-level GeoIP."""
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if settings.SCAN_STORE_FULL_IP:
        return str(addr)
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False).network_address)
