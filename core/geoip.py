"""IP geolocation over a MaxMind-format City database (geoip2). The packaged GeoLite2 (2018)
is the default; GEOIP_PATH points at a newer one. One reader per process."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

import geoip2.database
import geoip2.errors
from django.conf import settings


@dataclass(frozen=True)
class GeoResult:
    latitude: float | None
    longitude: float | None
    city: str
    state: str
    country: str
    country_code: str

    @property
    def label(self) -> str:
        """'Chicago, Illinois, United States' -- the seed's last_login_location."""
        return ", ".join(p for p in (self.city, self.state, self.country) if p)


def database_path() -> str:
    if settings.GEOIP_PATH:
        return settings.GEOIP_PATH
    from _maxminddb_geolite2 import geolite2_database

    return geolite2_database()


@lru_cache(maxsize=1)
def _reader() -> geoip2.database.Reader:
    return geoip2.database.Reader(database_path())


def geoip_lookup(ip: str | None) -> GeoResult | None:
    """City-level location of a public IP, or None (private, malformed, or unknown)."""
    if not ip:
        return None
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if not addr.is_global:
        # Development only (`make run` sets it): a browser on this machine scans from
        # 127.0.0.1, which no database can place; locate it as the stand-in address instead.
        if not settings.GEOIP_PRIVATE_IP_STANDIN:
            return None
        ip = settings.GEOIP_PRIVATE_IP_STANDIN
    try:
        r = _reader().city(ip)
    except (geoip2.errors.AddressNotFoundError, ValueError):
        return None
    sub = r.subdivisions.most_specific if r.subdivisions else None
    return GeoResult(
        latitude=r.location.latitude,
        longitude=r.location.longitude,
        city=r.city.name or "",
        state=(sub.name if sub else "") or "",
        country=r.country.name or "",
        country_code=r.country.iso_code or "",
    )
