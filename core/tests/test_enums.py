"""core.enums: one name per value and per set of values (Classification.COUNTED is what the
counters count, CLASSIFIED what the rollups add), and the model's choices are these."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from core.enums import Classification
from qrcodes.models import ScanEvent


def test_the_values_are_the_stored_ones():
    assert [c.value for c in Classification] == ["pending", "human", "bot", "duplicate"]
    assert ScanEvent.Classification is Classification
    field = ScanEvent._meta.get_field("classification")
    assert [v for v, _ in field.choices] == ["pending", "human", "bot", "duplicate"]
    assert field.default == "pending"


def test_the_sets_say_what_they_are():
    # Counted in total_scans and the rollups' `scans`: every classified scan but a bot's.
    assert Classification.COUNTED == (Classification.HUMAN, Classification.DUPLICATE)
    # Added up by the analytics rollups: every class a worker gives (bots into bot_scans).
    assert Classification.CLASSIFIED == (Classification.HUMAN, Classification.DUPLICATE, Classification.BOT)
    assert set(Classification.COUNTED) < set(Classification.CLASSIFIED)
    assert Classification.PENDING not in Classification.CLASSIFIED
    assert Classification.BOT not in Classification.COUNTED
    assert set(Classification.CLASSIFIED) | {Classification.PENDING} == set(Classification)
    # The sets are not choices.
    assert len(Classification.choices) == 4
    # Plain strings (the ORM's and psycopg's) compare equal to the members.
    assert "human" in Classification.COUNTED and "bot" not in Classification.COUNTED


@pytest.mark.django_db
def test_sharing_the_enum_needs_no_migration():
    call_command("makemigrations", "qrcodes", check=True, dry_run=True, verbosity=0)
