"""Versions of a code's destination (issue 15): every change of the destination URL or of the
routing (rules, limits, UTM tags: qrcodes.routing) is a DestinationVersion — who, when, what —
and a change can be scheduled ahead ("from 1 March, send to the spring menu").

- A version holds the whole destination it sets (qr_url and routing), so rolling back to it or
  applying it later sets exactly that. A code gets its versions lazily: the first change of a
  code that has none records version 1 = how it was, then the change as version 2.
- Numbers are max + 1 under the code's row lock (unique per code), pending ones included: a
  scheduled version keeps the number it was given when it was scheduled.
- Applying a version writes QRCode.qr_url / routing and drops this process's `/s/` lookup cache
  at once and again on commit; other processes follow within SCAN_LOOKUP_CACHE_SECONDS.
- Beat (qrcodes.destination_versions_apply, every 60 s) applies due scheduled versions, so a
  scheduled change is live between its effective_at and ~60 s + SCAN_LOOKUP_CACHE_SECONDS later.

Writes are for Admins and Editors (tenants.roles.require_writer); reads for every member."""

from __future__ import annotations

import datetime as dt
import json
import logging
from functools import lru_cache
from typing import Any

import pycountry
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import Conflict, NotFound, ValidationFailed
from core.scoping import bind_organization
from qrcodes import services
from qrcodes.enrichment import ip_hash
from qrcodes.models import DestinationVersion, QRCode
from qrcodes.routing import (
    RULE_EXPIRED,
    Decision,
    Visitor,
    accept_languages,
    decision_rule,
    routing_compile,
    routing_parse,
    routing_resolve,
    sticky_bucket,
)
from qrcodes.scanning import CONTENT_PAGE_PREFIX, device_kind, scan_target_forget
from tenants import timezones
from tenants.models import Organization, User
from tenants.roles import require_writer
from tenants.services import activity_record

logger = logging.getLogger(__name__)

ENTITY = "qr_code"
MAX_AHEAD = dt.timedelta(days=731)  # a scheduled change at most two years ahead
MAX_PENDING = 20  # scheduled versions waiting per code
MAX_NOTE = 200
APPLY_BATCH = 500  # due versions one beat run applies; the next run (60 s later) takes the rest
VERSIONS_LIMIT = 100  # the most a version list answers (not paginated)


@lru_cache(maxsize=1)
def routing_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes a country rule may name (pycountry), plus XK (Kosovo), which
    GeoIP databases answer."""
    return frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}


def routing_validate(data: Any) -> dict[str, Any]:
    """routing_parse with the known countries; also refuses NUL anywhere (PostgreSQL refuses
    it in JSON), which a URL's path would otherwise carry through."""
    routing = routing_parse(data, countries=routing_countries())
    if "\\u0000" in json.dumps(routing):
        raise ValidationFailed({"routing": "Text may not contain NUL characters."})
    return routing


def moment_parse(value: Any, *, field: str, zone: str) -> dt.datetime | None:
    """An ISO 8601 date-time (a datetime passes through); without an offset it is read in the
    organization's zone `zone`. None for None or ""."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = None
        if isinstance(value, str) and len(value) <= 40 and "\x00" not in value:
            try:
                moment = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                moment = None
        if moment is None or not 2000 <= moment.year <= 2200:
            raise ValidationFailed({field: "A date and time like 2027-03-01T09:00 (ISO 8601; without an offset, "
                                           "in the organization's time zone)."})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezones.zone(zone))
    return moment


def _note(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > MAX_NOTE or any(ord(c) < 32 for c in value):
        raise ValidationFailed({"note": f"At most {MAX_NOTE} characters of text on one line."})
    return value.strip()


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise NotFound(f"Version {str(value)[:20]} not found.")
    return value


def _create(qr: QRCode, *, actor: User | None, qr_url: str, routing: dict, note: str,
            applied_at: dt.datetime | None, effective_at: dt.datetime | None = None) -> DestinationVersion:
    """The code's next version; the caller holds the code's row lock."""
    top = DestinationVersion.objects.filter(organization_id=qr.organization_id, qr_code=qr).aggregate(n=Max("number"))
    return DestinationVersion.objects.create(
        organization_id=qr.organization_id, qr_code=qr, number=(top["n"] or 0) + 1, qr_url=qr_url, routing=routing,
        created_by=actor, effective_at=effective_at, applied_at=applied_at, note=note,
    )


def _first_version(qr: QRCode) -> None:
    """Version 1 = the code as it is, when it has no versions yet (so a rollback to the
    original works). Its author is unknown: the change history starts here."""
    if not DestinationVersion.objects.filter(organization_id=qr.organization_id, qr_code=qr).exists():
        _create(qr, actor=None, qr_url=qr.qr_url, routing=qr.routing or {}, note="As it was before the first change",
                applied_at=qr.updated_at or qr.created_at)


def _forget(qr: QRCode) -> None:
    scan_target_forget(qr)  # now, for this transaction's own reads, and after commit for everyone:
    transaction.on_commit(lambda: scan_target_forget(qr))  # a scan between the two refilled it stale


def _apply(qr: QRCode, *, qr_url: str, routing: dict) -> None:
    """Make `qr_url` / `routing` the code's destination (row locked by the caller). A version
    without a URL keeps the current one unless the code opens an uploaded file: a code is
    never left with nowhere to send scanners."""
    if not qr_url and qr.linked_content_id is None:
        qr_url = qr.qr_url
    qr.qr_url, qr.routing = qr_url, routing
    qr.save(update_fields=["qr_url", "routing", "updated_at"])
    _forget(qr)


def _record(organization: Organization, qr: QRCode, actor: User | None, action: str,
            version: DestinationVersion) -> None:
    meta: dict[str, Any] = {"name": qr.name, "number": version.number}
    if version.effective_at:
        meta["effective_at"] = version.effective_at.isoformat()
    activity_record(organization=organization, user=actor, action=action, entity_type=ENTITY, entity_id=qr.pk,
                    metadata=meta)


@transaction.atomic
def qr_routing_set(*, organization: Organization, actor: User, qr_code_id: Any, routing: Any,
                   qr_url: Any = None, effective_at: Any = None, note: Any = "") -> DestinationVersion | None:
    """Set a code's rules (and, if given, its destination URL) — Admins and Editors.

    Without `effective_at`: applied at once as the next version (None when nothing changes).
    With `effective_at` (a datetime or ISO string; no offset = the organization's zone), in the
    future and at most two years ahead: a pending version only, which beat applies then.
    ValidationFailed names the field (`rules.2.countries`, `qr_url`, `effective_at`, `note`)."""
    require_writer(actor, organization)
    parsed = routing_validate(routing)
    url = None if qr_url is None else services.qr_url_validate(qr_url)
    when = moment_parse(effective_at, field="effective_at", zone=organization.timezone)
    text = _note(note)
    now = timezone.now()
    if when is not None and when <= now:
        raise ValidationFailed({"effective_at": "A scheduled change must be in the future (leave it out to apply "
                                                "the change now)."})
    if when is not None and when > now + MAX_AHEAD:
        raise ValidationFailed({"effective_at": "At most two years ahead."})
    qr = services.qr_code_lock(organization, qr_code_id)
    new_url = qr.qr_url if url is None else url
    if not new_url and qr.linked_content_id is None:
        raise ValidationFailed({"qr_url": "Give a destination URL or link an uploaded file."})
    if when is not None:
        pending = DestinationVersion.objects.filter(organization=organization, qr_code=qr, applied_at__isnull=True)
        if pending.count() >= MAX_PENDING:
            raise ValidationFailed({"effective_at": f"At most {MAX_PENDING} scheduled changes per code: cancel one "
                                                    "first."})
        _first_version(qr)
        version = _create(qr, actor=actor, qr_url=new_url, routing=parsed, note=text, applied_at=None,
                          effective_at=when)
        _record(organization, qr, actor, "schedule_qr_destination", version)
        return version
    if new_url == qr.qr_url and parsed == (qr.routing or {}):
        return None
    _first_version(qr)
    version = _create(qr, actor=actor, qr_url=new_url, routing=parsed, note=text, applied_at=now)
    _apply(qr, qr_url=new_url, routing=parsed)
    _record(organization, qr, actor, "change_qr_rules", version)
    return version


def destination_version_record(*, actor: User, qr: QRCode, qr_url: str) -> DestinationVersion:
    """The version for a destination URL changed by qrcodes.services.qr_code_update, which
    holds the code's lock and calls this before it sets `qr_url` (so version 1, when the code
    has none, is still how it was). The activity row is the update's own."""
    _first_version(qr)
    return _create(qr, actor=actor, qr_url=qr_url, routing=qr.routing or {}, note="Destination URL edited",
                   applied_at=timezone.now())


@transaction.atomic
def qr_destination_rollback(*, organization: Organization, actor: User, qr_code_id: Any,
                            number: int) -> DestinationVersion:
    """A new version with version `number`'s URL and routing, applied at once (Admins and
    Editors). NotFound for a missing number; Conflict for a scheduled one not applied yet."""
    require_writer(actor, organization)
    number = _number(number)
    qr = services.qr_code_lock(organization, qr_code_id)
    old = DestinationVersion.objects.filter(organization=organization, qr_code=qr, number=number).first()
    if old is None:
        raise NotFound(f"Version {number} not found.")
    if old.applied_at is None:
        raise Conflict(f"Version {number} is scheduled and has never been applied: nothing to roll back to.")
    routing = routing_validate(old.routing)
    if not old.qr_url and qr.linked_content_id is None:
        raise ValidationFailed({"number": f"Version {number} opened an uploaded file that is no longer linked."})
    version = _create(qr, actor=actor, qr_url=old.qr_url, routing=routing, note=f"Rolled back to version {number}",
                      applied_at=timezone.now())
    _apply(qr, qr_url=old.qr_url, routing=routing)
    _record(organization, qr, actor, "rollback_qr_destination", version)
    return version


@transaction.atomic
def destination_version_cancel(*, organization: Organization, actor: User, qr_code_id: Any, number: int) -> None:
    """Delete a scheduled version that has not been applied (Admins and Editors). NotFound
    for a missing number; Conflict for an applied one (history is kept)."""
    require_writer(actor, organization)
    number = _number(number)
    qr = services.qr_code_lock(organization, qr_code_id)  # beat takes the same lock: cancel or apply, not both
    version = DestinationVersion.objects.filter(organization=organization, qr_code=qr, number=number).first()
    if version is None:
        raise NotFound(f"Version {number} not found.")
    if version.applied_at is not None:
        raise Conflict(f"Version {number} has been applied; applied versions are history and stay. Roll back "
                       "instead.")
    _record(organization, qr, actor, "cancel_qr_destination", version)
    version.delete()


def destination_versions_apply(now: dt.datetime | None = None) -> int:
    """Apply every scheduled version that is due (effective_at <= now, not applied), oldest
    first, each in its own transaction under its code's row lock; returns how many. A second
    run applies nothing (the lock, then `applied_at IS NULL` again). At most APPLY_BATCH per
    run. The beat task's body."""
    now = now or timezone.now()
    # Cross-tenant on purpose: beat serves every organization; each version is then written
    # with its own organization bound, like a request of that organization.
    due = list(DestinationVersion.objects.unscoped().filter(applied_at__isnull=True, effective_at__lte=now)
               .order_by("effective_at", "number").values_list("pk", "organization_id", "qr_code_id")[:APPLY_BATCH])
    organizations = Organization.objects.in_bulk({org_id for _, org_id, _ in due})
    applied = 0
    for pk, org_id, qr_id in due:
        organization = organizations.get(org_id)
        if organization is None:  # deleted since the read: its versions went with it
            continue
        with bind_organization(organization), transaction.atomic():
            qr = QRCode.objects.filter(organization=organization, pk=qr_id).select_for_update().first()
            version = DestinationVersion.objects.filter(organization=organization, pk=pk,
                                                        applied_at__isnull=True).first()
            if qr is None or version is None:  # cancelled, applied by a parallel run, or the code deleted
                continue
            _apply(qr, qr_url=version.qr_url, routing=version.routing or {})
            version.applied_at = now
            version.save(update_fields=["applied_at"])
            _record(organization, qr, None, "apply_qr_destination", version)
            applied += 1
    if applied:
        logger.info("applied %d scheduled destination version(s)", applied)
    return applied


# ---- reads -------------------------------------------------------------------------------------

def destination_versions(organization: Organization, qr: QRCode, *, limit: int = VERSIONS_LIMIT
                         ) -> list[DestinationVersion]:
    """The code's versions, newest (highest number) first, scheduled ones included; at most
    `limit`. Every member may read them."""
    return list(DestinationVersion.objects.filter(organization=organization, qr_code=qr)
                .select_related("created_by").order_by("-number")[:limit])


def destination_scheduled(organization: Organization, qr: QRCode, *, limit: int = MAX_PENDING
                          ) -> list[DestinationVersion]:
    """The code's scheduled versions not applied yet, soonest first (at most `limit`)."""
    return list(DestinationVersion.objects.filter(organization=organization, qr_code=qr, applied_at__isnull=True)
                .select_related("created_by").order_by("effective_at", "number")[:limit])


def destination_current_number(organization: Organization, qr: QRCode) -> int | None:
    """The number of the version the code follows now (the last applied), None without versions."""
    return (DestinationVersion.objects.filter(organization=organization, qr_code=qr, applied_at__isnull=False)
            .order_by("-applied_at", "-number").values_list("number", flat=True).first())


# ---- trying rules against a sample scanner -----------------------------------------------------

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _sample_text(data: dict, field: str, limit: int) -> str:
    value = data.get(field)
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise ValidationFailed({field: f"At most {limit} characters of text."})
    return value.strip()


def _rule_words(rule: dict, index: int) -> str:
    label = f" “{rule['label']}”" if rule.get("label") else ""
    values = rule.get("devices") or rule.get("countries") or rule.get("languages")
    what = f"{rule['kind']}: {', '.join(values)}" if values else rule["kind"]
    return f"Rule #{index + 1}{label} ({what})"


def routing_try(*, organization: Organization, qr: QRCode, data: dict, ip: str | None) -> dict[str, Any]:
    """Where a sample scan would go, and why — any member (it changes nothing). `data`:
    routing (a draft; default: the saved one), qr_url (a draft default destination),
    user_agent, country, accept_language, at (default now; no offset = the organization's
    zone), bucket (0-99, the A/B bucket; default: the caller's IP and user agent, as on
    `/s/`), total_scans (default: the code's counted scans). The visitor is built as
    qrcodes.scanning.scan_decide builds it."""
    routing = (qr.routing or {}) if data.get("routing") is None else routing_validate(data.get("routing"))
    default = qr.qr_url if data.get("qr_url") in (None, "") else services.qr_url_validate(data.get("qr_url"))
    if qr.linked_content_id is not None:
        default = f"{CONTENT_PAGE_PREFIX}{qr.short_code}"
    user_agent = _sample_text(data, "user_agent", 1024)
    languages = accept_languages(_sample_text(data, "accept_language", 512))
    country = _sample_text(data, "country", 2).upper() or None
    if country is not None and country not in routing_countries():
        raise ValidationFailed({"country": "An ISO 3166 country code like US or FR."})
    zone = organization.timezone
    at = moment_parse(data.get("at"), field="at", zone=zone) or timezone.now()
    bucket = data.get("bucket")
    if bucket is None:
        bucket = sticky_bucket(ip_hash(ip), user_agent)
    elif isinstance(bucket, bool) or not isinstance(bucket, int) or not 0 <= bucket <= 99:
        raise ValidationFailed({"bucket": "A whole number from 0 to 99."})
    total = data.get("total_scans")
    if total is None:
        total = qr.total_scans
    elif isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= 10**12:
        raise ValidationFailed({"total_scans": "A whole number from 0 to 1,000,000,000,000."})
    local = at.astimezone(timezones.zone(zone))
    visitor = Visitor(device=device_kind(user_agent), languages=languages, local_now=local, sticky=bucket,
                      country=country)
    compiled = routing_compile(routing)
    decision = Decision(default) if compiled is None else routing_resolve(compiled, default, visitor,
                                                                           total_scans=total)
    return {
        "url": decision.url, "rule": decision_rule(decision), "variant": decision.variant, "ended": decision.ended,
        "explanation": _explain(decision, routing, total=total, zone=zone),
        "visitor": {"device": visitor.device, "languages": list(languages), "country": country,
                    "local_time": f"{_DAYS[local.weekday()]} {local:%Y-%m-%d %H:%M} {zone}", "bucket": bucket},
    }


def _explain(decision: Decision, routing: dict, *, total: int, zone: str) -> str:
    then = "it sends to the fallback URL." if decision.url else "scanners see the “this code has ended” page."
    limits = routing.get("limits") or {}
    if decision.limit == RULE_EXPIRED:
        return f"The code expired on {limits.get('expires_on')} ({zone}): {then}"
    if decision.limit is not None:
        return f"The code has {total:,} counted scans, its maximum is {limits.get('max_scans'):,}: {then}"
    if decision.rule is None:
        return "No rule matches: the code's own destination."
    rule = (routing.get("rules") or [])[decision.rule]
    words = _rule_words(rule, decision.rule)
    if decision.variant is not None:
        count = len(rule.get("variants") or [])
        return f"{words} fires: variant {decision.variant + 1} of {count} for this scanner's bucket."
    return f"{words} fires: it is the first rule that matches."
