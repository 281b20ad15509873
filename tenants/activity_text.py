"""The activity log in words: one sentence per row ("Wile E. Coyote invited viewer@acme.example
as Viewer") and one place format ("Chicago, United States" or "—").

Everything comes from the row itself (its user, action, metadata, location, IP), so a page of
rows needs no query per row: the caller selects the user with the rows. ACTIVITY_SENTENCES is
the one table of action codes; tenants/tests/test_activity_text.py fails when a service records
a code that is not in it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.template.defaultfilters import filesizeformat

from core.geoip import geoip_lookup


@dataclass(frozen=True)
class Sentence:
    """`template` takes {actor} and the keys _fill builds: {it} ("the QR code “Front window”",
    or "a QR code" when the row stores no name), {who}, {to_role}, {as_role}, {on_platform},
    {size}, {format}, {plan}, {zone}, {codes}. `noun` is what {it} names."""

    template: str
    noun: str = ""


_QR, _CAMPAIGN, _FILE = "QR code", "campaign", "file"

# action code -> sentence. The services' codes, the dashboard's tracked events
# (tenants.services.activity.TRACKABLE_ACTIONS), and the older codes the demo seed writes.
ACTIVITY_SENTENCES: dict[str, Sentence] = {
    # organizations and sign-in
    "register": Sentence("{actor} signed up the organization"),
    "login": Sentence("{actor} signed in"),
    # QR codes (qrcodes.services)
    "create_qr_code": Sentence("{actor} created {it}", _QR),
    "update_qr_code": Sentence("{actor} edited {it}", _QR),
    "pause_qr_code": Sentence("{actor} paused {it}", _QR),
    "archive_qr_code": Sentence("{actor} archived {it}", _QR),
    "activate_qr_code": Sentence("{actor} activated {it}", _QR),
    "delete_qr_code": Sentence("{actor} deleted {it}", _QR),
    "qr_code_download": Sentence("{actor} downloaded {it}{format}", _QR),
    "qr_code_share": Sentence("{actor} shared {it}{on_platform}", _QR),
    # destination versions (qrcodes.destinations)
    "change_qr_rules": Sentence("{actor} changed the destination rules of {it}", _QR),
    "rollback_qr_destination": Sentence("{actor} rolled back the destination of {it}", _QR),
    "schedule_qr_destination": Sentence("{actor} scheduled a destination change of {it}", _QR),
    "cancel_qr_destination": Sentence("{actor} cancelled a scheduled destination change of {it}", _QR),
    "apply_qr_destination": Sentence("A scheduled destination change of {it} took effect", _QR),
    # the QR studio (studio.services, studio.kits, studio.bulk)
    "design_qr_code": Sentence("{actor} changed the design of {it}", _QR),
    "create_artwork": Sentence("{actor} made a print file of {it}{format}", _QR),
    "create_brand_kit": Sentence("{actor} created {it}", "brand kit"),
    "update_brand_kit": Sentence("{actor} edited {it}", "brand kit"),
    "delete_brand_kit": Sentence("{actor} deleted {it}", "brand kit"),
    "apply_brand_kit": Sentence("{actor} applied {it} to {codes}", "brand kit"),
    "import_qr_codes": Sentence("{actor} created {codes} from a CSV file"),
    # campaigns (campaigns.services)
    "create_campaign": Sentence("{actor} created {it}", _CAMPAIGN),
    "update_campaign": Sentence("{actor} edited {it}", _CAMPAIGN),
    "delete_campaign": Sentence("{actor} deleted {it}", _CAMPAIGN),
    "campaign_social_share": Sentence("{actor} shared {it}{on_platform}", _CAMPAIGN),
    "campaign_link_copy": Sentence("{actor} copied the link of {it}", _CAMPAIGN),
    # uploads (uploads.services)
    "upload_file": Sentence("{actor} uploaded {it}{size}", _FILE),
    "delete_file": Sentence("{actor} deleted {it}{size}", _FILE),
    "file_share": Sentence("{actor} shared {it}{on_platform}", _FILE),
    "file_download": Sentence("{actor} downloaded {it}", _FILE),
    # the team (tenants.services.team)
    "invite_user": Sentence("{actor} invited {who}{as_role}"),
    "change_user_role": Sentence("{actor} changed the role of {who}{to_role}"),
    "deactivate_user": Sentence("{actor} deactivated {who}"),
    "reactivate_user": Sentence("{actor} reactivated {who}"),
    "join_team": Sentence("{actor} joined the team{as_role}"),
    # plans and settings (tenants.services.plans); OI staff decide, so no member is named
    "request_plan_change": Sentence("{actor} asked to change the plan to {plan}"),
    "cancel_plan_change": Sentence("{actor} cancelled the request to change the plan to {plan}"),
    "approve_plan_change": Sentence("Outbound Impact approved the change to {plan}"),
    "reject_plan_change": Sentence("Outbound Impact declined the change to {plan}"),
    "change_timezone": Sentence("{actor} set the time zone to {zone}"),
    # campaigns and their QR codes
    "campaign_add_qr_codes": Sentence("{actor} added {codes} to {it}", _CAMPAIGN),
    "campaign_remove_qr_codes": Sentence("{actor} removed {codes} from {it}", _CAMPAIGN),
    # codes of the demo seed (demo/distributions.py ACTIONS)
    "qr_code_create": Sentence("{actor} created {it}", _QR),
    "qr_code_update": Sentence("{actor} edited {it}", _QR),
    "campaign_create": Sentence("{actor} created {it}", _CAMPAIGN),
    "campaign_update": Sentence("{actor} edited {it}", _CAMPAIGN),
    "user_invite": Sentence("{actor} invited {who}{as_role}"),
    "upload_delete": Sentence("{actor} deleted {it}{size}", _FILE),
}

_NAME_KEYS = ("name", "qr_code_name", "campaign_name", "file_name")
_PLATFORMS = {"facebook": "Facebook", "x": "X", "twitter": "Twitter", "linkedin": "LinkedIn",
              "whatsapp": "WhatsApp", "email": "email", "copy_link": "a copied link"}
NO_PLACE = "—"


def _text(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _fill(noun: str, meta: Mapping[str, Any]) -> dict[str, str]:
    name = next((t for t in (_text(meta, k) for k in _NAME_KEYS) if t), "")
    article = "an" if noun[:1].lower() in "aeiou" else "a"
    platform = _text(meta, "platform").lower()
    role = _text(meta, "role")
    size = meta.get("file_size_bytes")
    fmt = _text(meta, "format")
    count = meta.get("count")
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        codes = f"{count} QR code{'' if count == 1 else 's'}"
    else:
        codes = "QR codes"
    return {
        "plan": name or "another plan",
        "zone": name or "another zone",
        "codes": codes,
        "it": f"the {noun} “{name}”" if name else f"{article} {noun}",
        "who": _text(meta, "email") or "a team member",
        "to_role": f" to {role}" if role else "",
        "as_role": f" as {role}" if role else "",
        "on_platform": f" on {_PLATFORMS.get(platform, platform)}" if platform else "",
        "size": f" ({filesizeformat(size)})".replace("\xa0", " ")
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else "",
        "format": f" as {fmt.upper()}" if fmt else "",
    }


def activity_actor(user: Any) -> str:
    """Who did it: the user's name, else their email, else "Someone" (a deleted user)."""
    if user is None:
        return "Someone"
    return (getattr(user, "full_name", "") or "").strip() or getattr(user, "email", "") or "Someone"


def activity_sentence(*, action: str, user: Any, metadata: Any) -> str:
    """One sentence for an activity row: "John Smith created the QR code “Front window”". An
    unknown code still reads: "John Smith performed create foo"."""
    actor = activity_actor(user)
    meta = metadata if isinstance(metadata, Mapping) else {}
    sentence = ACTIVITY_SENTENCES.get(action)
    if sentence is None:
        words = (action or "").replace("_", " ").strip() or "an action"
        return f"{actor} performed {words}"
    return sentence.template.format(actor=actor, **_fill(sentence.noun, meta))


def activity_where(*, location: str, ip_address: str | None) -> str:
    """Where it happened, always "City, Country" (or the one part known) or "—": the stored
    location ("Chicago, Illinois, United States") shortened to city and country, else the
    stored address located with GeoIP. Never a raw IP address."""
    parts = [p.strip() for p in (location or "").split(",") if p.strip()]
    if parts:
        return parts[0] if len(parts) == 1 else f"{parts[0]}, {parts[-1]}"
    geo = geoip_lookup(ip_address)
    if geo is None:
        return NO_PLACE
    return ", ".join(p for p in (geo.city, geo.country) if p) or NO_PLACE


def activity_action_label(action: str) -> str:
    """The activity page's filter option for a code: its sentence without who or what
    ("created a QR code", "signed in")."""
    sentence = ACTIVITY_SENTENCES.get(action)
    if sentence is None:
        return (action or "").replace("_", " ").strip()
    return sentence.template.format(actor="", **_fill(sentence.noun, {})).strip()
