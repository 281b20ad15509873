"""Where the scan pipeline calls the layers above it (analytics keeps rollups of counted scans
in the same transaction that counts them) without importing them: imports run one way
(.importlinter), so a higher app registers its hook at start-up (its AppConfig.ready) and
qrcodes only calls what is registered. Each hook runs inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# fn(events): counted scan events, after the counters moved (analytics: rollups).
scans_counted: list[Callable[[Sequence[Any]], None]] = []
# fn(organization_id | None, report | None): counters were rebuilt from the raw events
# (analytics: rebuild rollups); `report(line)`, when given, takes each rollup row it changed.
counters_recomputed: list[Callable[[Any, Callable[[str], None] | None], None]] = []
# fn(organization_id, qr_code_ids): the delete service (qrcodes.services.qr_code_delete) is
# deleting these QR codes of the organization. Called inside its transaction after the codes'
# scan events are deleted, with the organization's and the codes' rows locked (the scan
# workers' locks), before the codes' rows go (analytics: take their scans out of every rollup).
qr_codes_deleting: list[Callable[[Any, Sequence[Any]], None]] = []
# fn(days): scans recorded on these UTC days were deleted (oi_admin: the console's daily cells of
# those days are stale). Called inside the deleting transaction.
scan_days_forgotten: list[Callable[[Sequence[Any]], None]] = []

# fn(qr_code): a QR code was just created, inside qr_code_create's transaction (studio: give it
# the organization's default brand kit).
qr_code_created: list[Callable[[Any], None]] = []


def run(hooks: list[Callable[..., None]], *args: Any) -> None:
    for hook in hooks:
        hook(*args)
