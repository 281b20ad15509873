"""Rollup tables kept current by the scan workers (owned by the analytics app).

Contract used by the scan pipeline (qrcodes):
- `rollup_scan_events(events)` is called inside the same transaction that marks those
  events counted (counted_at set), exactly once per event, with classification and
  enrichment fields already filled. It must be additive (upserts with +=) so the
  pipeline's exactly-once marking makes the rollups exact too.
- `rollups_rebuild(organization_id=None)` recomputes the rollups from the raw events
  (used by `manage.py scan_counters_recompute` and after bulk seeding).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qrcodes.models import ScanEvent


def rollup_scan_events(events: Sequence[ScanEvent]) -> None:
    """Add newly counted events to the rollups. (Implemented by the analytics issue.)"""
    return None


def rollups_rebuild(organization_id: uuid.UUID | None = None) -> None:
    """Recompute rollups from raw events. (Implemented by the analytics issue.)"""
    return None
