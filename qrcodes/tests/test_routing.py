"""Smart destinations (qrcodes.routing): validation with the field named, every rule kind at
its edges (time zones and DST, windows past midnight, the last allowed scan, expiry at local
midnight, weights), UTM tags, Accept-Language, and stickiness of A/B variants."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from core.errors import ValidationFailed
from qrcodes.routing import (
    RULE_EXPIRED,
    RULE_USED_UP,
    Visitor,
    accept_languages,
    decision_rule,
    routing_compile,
    routing_parse,
    routing_resolve,
    sticky_bucket,
    with_utm,
)

DEFAULT = "https://pizza.example/"
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def _visitor(**kw) -> Visitor:
    base = {"device": "desktop", "languages": ("en",), "local_now": dt.datetime(2027, 3, 3, 12, 0, tzinfo=CHICAGO),
            "sticky": 0, "country": None}
    return Visitor(**{**base, **kw})


def _resolve(routing: dict, *, total_scans: int = 0, **visitor):
    return routing_resolve(routing_compile(routing_parse(routing)), DEFAULT, _visitor(**visitor),
                           total_scans=total_scans)


# ---- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("routing, field", [
    ({"rules": [{"kind": "teleport", "url": DEFAULT}]}, "rules.0.kind"),
    ({"rules": [{"kind": "device", "devices": ["ios"], "url": "javascript:alert(1)"}]}, "rules.0.url"),
    ({"rules": [{"kind": "device", "devices": ["ios"], "url": "https://user:pw@x.example/"}]}, "rules.0.url"),
    ({"rules": [{"kind": "device", "devices": ["toaster"], "url": DEFAULT}]}, "rules.0.devices"),
    ({"rules": [{"kind": "country", "countries": ["XX"], "url": DEFAULT}]}, "rules.0.countries"),
    ({"rules": [{"kind": "country", "countries": "US", "url": DEFAULT}]}, "rules.0.countries"),
    ({"rules": [{"kind": "language", "languages": ["english"], "url": DEFAULT}]}, "rules.0.languages"),
    ({"rules": [{"kind": "schedule", "url": DEFAULT}]}, "rules.0.days"),
    ({"rules": [{"kind": "schedule", "days": [7], "url": DEFAULT}]}, "rules.0.days"),
    ({"rules": [{"kind": "schedule", "start": "11:00", "url": DEFAULT}]}, "rules.0.end"),
    ({"rules": [{"kind": "schedule", "start": "25:00", "end": "26:00", "url": DEFAULT}]}, "rules.0.start"),
    ({"rules": [{"kind": "schedule", "from": "2027-02-14", "until": "2027-02-01", "url": DEFAULT}]}, "rules.0.until"),
    ({"rules": [{"kind": "schedule", "from": "9999-12-31", "url": DEFAULT}]}, "rules.0.from"),
    ({"rules": [{"kind": "schedule", "from": "2027-02-30", "url": DEFAULT}]}, "rules.0.from"),
    ({"rules": [{"kind": "split", "variants": [{"url": DEFAULT, "weight": 60}, {"url": DEFAULT, "weight": 60}]}]},
     "rules.0.variants"),
    ({"rules": [{"kind": "split", "variants": [{"url": DEFAULT, "weight": 100}]}]}, "rules.0.variants"),
    ({"rules": [{"kind": "split", "variants": [{"url": DEFAULT, "weight": True}, {"url": DEFAULT, "weight": 50}]}]},
     "rules.0.variants.0.weight"),
    ({"rules": [{"kind": "device", "devices": ["ios"], "url": DEFAULT, "label": "a\x00b"}]}, "rules.0.label"),
    ({"rules": [{"kind": "device", "devices": ["ios"], "url": DEFAULT}] * 21}, "rules"),
    ({"limits": {"max_scans": 0}}, "limits.max_scans"),
    ({"limits": {"max_scans": 10**12}}, "limits.max_scans"),
    ({"limits": {"expires_on": "tomorrow"}}, "limits.expires_on"),
    ({"limits": {"forever": True}}, "limits"),
    ({"utm": {"source": "x" * 101}}, "utm.source"),
    ({"utm": {"evil": "x"}}, "utm"),
    ({"teleport": []}, "routing"),
])
def test_bad_routing_names_the_field(routing, field):
    with pytest.raises(ValidationFailed) as err:
        routing_parse(routing, countries=frozenset({"US", "CA", "FR", "DE"}))
    assert field in err.value.detail, err.value.detail


def test_a_good_routing_round_trips_and_normalises():
    parsed = routing_parse({"rules": [{"kind": "country", "countries": [" us", "ca", "US"], "url": DEFAULT},
                                      {"kind": "language", "languages": ["FR"], "url": DEFAULT}]})
    assert parsed["rules"][0]["countries"] == ["US", "CA"] and parsed["rules"][1]["languages"] == ["fr"]
    assert routing_parse(parsed) == parsed
    assert routing_parse({}) == {} and routing_compile({}) is None


# ---- rule kinds --------------------------------------------------------------------------------

APPS = {"rules": [{"kind": "device", "devices": ["ios"], "url": "https://apps.apple.com/app/x"},
                  {"kind": "device", "devices": ["android"], "url": "https://play.google.com/x"}]}


@pytest.mark.parametrize("device, url, rule", [
    ("ios", "https://apps.apple.com/app/x", 0), ("android", "https://play.google.com/x", 1), ("desktop", DEFAULT, None)])
def test_device_rules_send_each_phone_to_its_store(device, url, rule):
    decision = _resolve(APPS, device=device)
    assert (decision.url, decision.rule) == (url, rule)


def test_mobile_matches_any_phone():
    routing = {"rules": [{"kind": "device", "devices": ["mobile"], "url": "https://m.example/"}]}
    assert _resolve(routing, device="ios").url == "https://m.example/"
    assert _resolve(routing, device="desktop").url == DEFAULT


def test_country_and_language_rules():
    routing = {"rules": [{"kind": "country", "countries": ["FR"], "url": "https://fr.example/"},
                         {"kind": "language", "languages": ["de"], "url": "https://de.example/"}]}
    assert _resolve(routing, country="FR").url == "https://fr.example/"
    assert _resolve(routing, country=None, languages=("fr", "de")).url == "https://de.example/"
    assert _resolve(routing, country="US", languages=("en",)).url == DEFAULT


LUNCH = {"rules": [{"kind": "schedule", "days": [0, 1, 2, 3, 4], "start": "11:00", "end": "14:00",
                    "url": "https://pizza.example/lunch"}]}


@pytest.mark.parametrize("when, url", [
    (dt.datetime(2027, 3, 3, 10, 59), DEFAULT),  # Wednesday, a minute early
    (dt.datetime(2027, 3, 3, 11, 0), "https://pizza.example/lunch"),  # the first minute
    (dt.datetime(2027, 3, 3, 13, 59), "https://pizza.example/lunch"),
    (dt.datetime(2027, 3, 3, 14, 0), DEFAULT),  # the end is excluded
    (dt.datetime(2027, 3, 6, 12, 0), DEFAULT),  # Saturday
])
def test_a_lunch_schedule_at_its_edges(when, url):
    assert _resolve(LUNCH, local_now=when.replace(tzinfo=CHICAGO)).url == url


def test_a_window_past_midnight_belongs_to_the_day_it_started():
    routing = {"rules": [{"kind": "schedule", "days": [4], "start": "22:00", "end": "02:00",
                          "url": "https://club.example/"}]}  # Friday night
    friday_late = dt.datetime(2027, 3, 5, 23, 30, tzinfo=CHICAGO)
    saturday_early = dt.datetime(2027, 3, 6, 1, 30, tzinfo=CHICAGO)
    saturday_late = dt.datetime(2027, 3, 6, 23, 30, tzinfo=CHICAGO)
    assert _resolve(routing, local_now=friday_late).url == "https://club.example/"
    assert _resolve(routing, local_now=saturday_early).url == "https://club.example/"
    assert _resolve(routing, local_now=saturday_late).url == DEFAULT


def test_schedules_read_the_organizations_clock_across_dst():
    """Chicago springs forward on 2027-03-14: 11:00 local is 17:00 UTC before and 16:00 UTC after."""
    before = dt.datetime(2027, 3, 12, 17, 0, tzinfo=dt.UTC).astimezone(CHICAGO)  # Friday 11:00 CST
    after = dt.datetime(2027, 3, 15, 16, 0, tzinfo=dt.UTC).astimezone(CHICAGO)  # Monday 11:00 CDT
    assert (before.hour, after.hour) == (11, 11)
    assert _resolve(LUNCH, local_now=before).url == "https://pizza.example/lunch"
    assert _resolve(LUNCH, local_now=after).url == "https://pizza.example/lunch"
    a_utc_reading = dt.datetime(2027, 3, 15, 16, 0, tzinfo=dt.UTC)  # 16:00 UTC read as local: outside
    assert _resolve(LUNCH, local_now=a_utc_reading).url == DEFAULT


def test_a_dated_window_includes_both_days():
    routing = {"rules": [{"kind": "schedule", "from": "2027-02-01", "until": "2027-02-14",
                          "url": "https://pizza.example/valentine"}]}
    for day, url in ((dt.date(2027, 1, 31), DEFAULT), (dt.date(2027, 2, 1), "https://pizza.example/valentine"),
                     (dt.date(2027, 2, 14), "https://pizza.example/valentine"), (dt.date(2027, 2, 15), DEFAULT)):
        now = dt.datetime.combine(day, dt.time(23, 59), CHICAGO)
        assert _resolve(routing, local_now=now).url == url, day


def test_split_weights_and_stickiness():
    routing = {"rules": [{"kind": "split", "variants": [{"url": "https://a.example/", "weight": 30},
                                                         {"url": "https://b.example/", "weight": 70}]}]}
    assert _resolve(routing, sticky=0).variant == 0 and _resolve(routing, sticky=29).variant == 0
    assert _resolve(routing, sticky=30).variant == 1 and _resolve(routing, sticky=99).variant == 1
    assert sticky_bucket("h1", "UA") == sticky_bucket("h1", "UA")
    buckets = [sticky_bucket(f"hash{i}", "Mozilla/5.0") for i in range(2000)]
    share_a = sum(b < 30 for b in buckets) / len(buckets)
    assert 0.26 < share_a < 0.34  # the weights hold over many scanners


def test_first_matching_rule_wins():
    routing = {"rules": [{"kind": "device", "devices": ["ios"], "url": "https://first.example/"},
                         {"kind": "device", "devices": ["ios", "android"], "url": "https://second.example/"}]}
    assert _resolve(routing, device="ios").rule == 0 and _resolve(routing, device="android").rule == 1


# ---- limits ----------------------------------------------------------------------------------

def test_max_scans_the_last_allowed_scan_and_after():
    routing = {"limits": {"max_scans": 100, "max_scans_url": "https://pizza.example/sold-out"}, **APPS}
    assert _resolve(routing, total_scans=99, device="ios").url == "https://apps.apple.com/app/x"  # the 100th
    used_up = _resolve(routing, total_scans=100, device="ios")
    assert used_up.url == "https://pizza.example/sold-out" and decision_rule(used_up) == RULE_USED_UP
    ended = _resolve({"limits": {"max_scans": 1}}, total_scans=1)
    assert ended.ended and ended.url == ""


def test_expiry_is_midnight_in_the_organizations_zone():
    routing = {"limits": {"expires_on": "2027-03-01"}}
    last_minute = dt.datetime(2027, 2, 28, 23, 59, tzinfo=CHICAGO)
    midnight = dt.datetime(2027, 3, 1, 0, 0, tzinfo=CHICAGO)
    assert not _resolve(routing, local_now=last_minute).ended
    expired = _resolve(routing, local_now=midnight)
    assert expired.ended and decision_rule(expired) == RULE_EXPIRED
    with_fallback = _resolve({"limits": {"expires_on": "2027-03-01", "expired_url": "https://pizza.example/next"}},
                             local_now=midnight)
    assert with_fallback.url == "https://pizza.example/next" and not with_fallback.ended


# ---- UTM and headers ---------------------------------------------------------------------------

def test_utm_tags_are_added_to_every_destination_but_never_override():
    routing = {"utm": {"source": "qr", "medium": "print", "campaign": "spring"},
               "rules": [{"kind": "device", "devices": ["ios"], "url": "https://a.example/p?utm_source=keep&x=1"}],
               "limits": {"max_scans": 5, "max_scans_url": "https://a.example/sold"}}
    ios = _resolve(routing, device="ios").url
    assert "utm_source=keep" in ios and "utm_medium=print" in ios and "x=1" in ios and "utm_source=qr" not in ios
    assert "utm_campaign=spring" in _resolve(routing, total_scans=5).url
    assert with_utm("/c/abc", {"source": "qr"}) == "/c/abc"  # hosted content is ours: untouched


@pytest.mark.parametrize("header, expected", [
    ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", ("fr", "en", "de")),
    ("de;q=0.1, en", ("en", "de")),
    ("en;q=0, es", ("es",)),
    ("", ()),
    ("x" * 10_000, ()),
    ("en;q=abc", ()),
])
def test_accept_language_primary_tags_in_preference_order(header, expected):
    assert accept_languages(header) == expected
