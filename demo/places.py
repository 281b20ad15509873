"""Where the demo's scans come from: each demo business has a home city, and most of its
scanners have addresses that the bundled GeoLite2 database (core.geoip, 2018 data) places in
that city; the rest are spread over the home country and a few abroad.

Addresses are never trusted by hand. HOME_CITIES lists, per city, /16 ranges that the bundled
database placed in that city when this table was written; at seed time addresses are drawn
from them and kept only if the database (as the scan workers see it: the stored /24, see
qrcodes.enrichment.ip_for_storage) still puts them in that city. A newer GEOIP_PATH database
may place them elsewhere: then random public addresses are searched instead, within a budget.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass
from functools import lru_cache

from core.geoip import GeoResult
from qrcodes.enrichment import ip_for_storage, place


@dataclass(frozen=True)
class HomeCity:
    name: str  # the GeoLite2 city name
    country_code: str
    timezone: str  # IANA
    ranges: tuple[str, ...]  # /16s the bundled database places in the city


HOME_CITIES: dict[str, HomeCity] = {c.name: c for c in (
    HomeCity("Chicago", "US", "America/Chicago",
             ("170.137.0.0/16", "169.225.0.0/16", "168.206.0.0/16", "168.113.0.0/16", "167.204.0.0/16",
              "167.141.0.0/16", "167.9.0.0/16", "165.68.0.0/16")),
    HomeCity("Phoenix", "US", "America/Phoenix",
             ("167.94.0.0/16", "165.162.0.0/16", "164.145.0.0/16", "162.135.0.0/16", "162.126.0.0/16",
              "162.42.0.0/16", "157.30.0.0/16", "156.42.0.0/16")),
    HomeCity("London", "GB", "Europe/London",
             ("167.98.0.0/16", "163.167.0.0/16", "161.74.0.0/16", "161.23.0.0/16", "161.17.0.0/16",
              "161.2.0.0/16", "160.38.0.0/16", "159.167.0.0/16")),
    HomeCity("New York", "US", "America/New_York",
             ("170.19.0.0/16", "169.127.0.0/16", "169.119.0.0/16", "169.115.0.0/16", "169.113.0.0/16",
              "169.107.0.0/16", "169.101.0.0/16", "169.98.0.0/16")),
    HomeCity("Toronto", "CA", "America/Toronto",
             ("206.178.0.0/16", "204.41.0.0/16", "165.178.0.0/16", "159.231.0.0/16", "159.175.0.0/16",
              "158.163.0.0/16", "142.253.0.0/16", "142.247.0.0/16")),
    HomeCity("Seattle", "US", "America/Los_Angeles",
             ("193.122.0.0/16", "156.74.0.0/16", "150.222.0.0/16", "99.86.0.0/16", "98.99.0.0/16",
              "98.96.0.0/16")),
    HomeCity("Los Angeles", "US", "America/Los_Angeles",
             ("172.247.0.0/16", "165.30.0.0/16", "163.40.0.0/16", "159.225.0.0/16", "156.7.0.0/16",
              "154.223.0.0/16")),
    HomeCity("Denver", "US", "America/Denver",
             ("209.38.0.0/16", "206.247.0.0/16", "166.92.0.0/16", "166.30.0.0/16", "166.29.0.0/16")),
    HomeCity("Austin", "US", "America/Chicago",
             ("206.254.0.0/16", "204.66.0.0/16", "168.59.0.0/16", "168.57.0.0/16", "168.55.0.0/16")),
    HomeCity("Boston", "US", "America/New_York",
             ("192.10.0.0/16", "169.141.0.0/16", "168.122.0.0/16", "168.66.0.0/16", "167.208.0.0/16")),
    HomeCity("Dublin", "IE", "Europe/Dublin",
             ("147.252.0.0/16", "143.47.0.0/16", "63.33.0.0/16", "54.246.0.0/16", "54.229.0.0/16")),
    HomeCity("Amsterdam", "NL", "Europe/Amsterdam",
             ("156.114.0.0/16", "146.50.0.0/16", "145.221.0.0/16", "145.117.0.0/16", "145.108.0.0/16")),
    HomeCity("Berlin", "DE", "Europe/Berlin",
             ("160.45.0.0/16", "141.64.0.0/16", "141.45.0.0/16", "141.42.0.0/16", "141.23.0.0/16")),
    HomeCity("Paris", "FR", "Europe/Paris",
             ("164.2.0.0/16", "164.1.0.0/16", "159.95.0.0/16", "158.190.0.0/16", "157.172.0.0/16")),
    HomeCity("Madrid", "ES", "Europe/Madrid",
             ("161.37.0.0/16", "158.172.0.0/16", "158.99.0.0/16", "150.244.0.0/16", "147.96.0.0/16")),
    HomeCity("Sydney", "AU", "Australia/Sydney",
             ("156.22.0.0/16", "129.78.0.0/16", "54.253.0.0/16", "54.252.0.0/16", "54.206.0.0/16")),
)}

Address = tuple[str, GeoResult]  # (full address, where the workers will place it)


def _placed(ip: str) -> GeoResult | None:
    # Where the scan pipeline will put it: it looks up the address as stored (/24 by default).
    geo = place(ip_for_storage(ip))
    return geo if geo is not None and geo.country_code and geo.latitude is not None else None


def _random_public(rng: random.Random) -> str | None:
    addr = ipaddress.IPv4Address(rng.getrandbits(32))
    return str(addr) if addr.is_global else None


def home_addresses(city: HomeCity, rng: random.Random, wanted: int) -> list[Address]:
    """`wanted` distinct addresses the database places in the city (fewer only if a replaced
    database places almost nothing there)."""
    found: dict[str, GeoResult] = {}
    networks = [ipaddress.IPv4Network(r) for r in city.ranges]
    for _ in range(wanted * 4):
        if len(found) >= wanted:
            break
        net = networks[rng.randrange(len(networks))]
        ip = str(net.network_address + rng.randrange(1, net.num_addresses - 1))
        geo = _placed(ip)
        if geo is not None and geo.city == city.name and geo.country_code == city.country_code:
            found[ip] = geo
    for _ in range(60_000):  # the ranges moved (another database): search public space
        if len(found) >= wanted:
            break
        ip = _random_public(rng)
        geo = _placed(ip) if ip else None
        if geo is not None and geo.city == city.name and geo.country_code == city.country_code:
            found[ip] = geo
    return list(found.items())


@lru_cache(maxsize=1)
def spread_addresses(seed: int = 2026, wanted: int = 600) -> tuple[Address, ...]:
    """Public addresses anywhere the database has a city for, as the far-away scanners
    (visitors, people who were sent the link). Cached: every demo business draws from it."""
    rng = random.Random(seed)
    found: list[Address] = []
    for _ in range(wanted * 50):
        if len(found) >= wanted:
            break
        ip = _random_public(rng)
        geo = _placed(ip) if ip else None
        if geo is not None and geo.city:
            found.append((ip, geo))
    return tuple(found)


def away_addresses(city: HomeCity) -> tuple[list[Address], list[Address]]:
    """(elsewhere in the home country, abroad) from the shared spread, plus the other home
    cities' ranges of the same country when the spread has few domestic addresses."""
    spread = spread_addresses()
    domestic = [a for a in spread if a[1].country_code == city.country_code and a[1].city != city.name]
    abroad = [a for a in spread if a[1].country_code != city.country_code]
    if len(domestic) < 20:
        rng = random.Random(city.name)
        for other in HOME_CITIES.values():
            if other.country_code == city.country_code and other.name != city.name:
                domestic += home_addresses(other, rng, 15)
    return domestic or [], abroad
