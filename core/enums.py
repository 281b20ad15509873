"""Enums shared by several apps (and by their raw SQL), so each value and each set of values
has one name. Raw SQL never spells a value: it takes these as parameters
(`classification = ANY(%s)` with `list(Classification.COUNTED)`)."""

from __future__ import annotations

from enum import nonmember

from django.db import models


class Classification(models.TextChoices):
    """What the scan workers decided a scan event is (qrcodes.ScanEvent.classification).
    PENDING until a worker enriches and counts it; then exactly one of the others."""

    PENDING = "pending"
    HUMAN = "human"
    BOT = "bot"
    DUPLICATE = "duplicate"

    # The scans that count: QRCode.total_scans, Organization.total_qr_scans, the rollups'
    # `scans`, the console's cells. Every classified scan but a bot's; HUMAN alone is "unique".
    COUNTED = nonmember((HUMAN, DUPLICATE))
    # Every class a worker gives (not PENDING): the analytics rollups add all of them, bots
    # into their own `bot_scans` column.
    CLASSIFIED = nonmember((HUMAN, DUPLICATE, BOT))
