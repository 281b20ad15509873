"""core.locks: one registry of advisory-lock keys (distinct names, distinct lock ids) and one
way to take them."""

from __future__ import annotations

import pytest
from django.db import connection, connections, transaction

from core.locks import LockKey, advisory_session_try_lock, advisory_xact_lock, lock_name

pytestmark = pytest.mark.django_db


def _lock_id(name: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT hashtextextended(%s, 0)", [name])
        return cur.fetchone()[0]


def test_keys_are_unique_names_and_unique_lock_ids():
    names = [k.value for k in LockKey]
    assert len(names) == len(set(names))
    assert len({_lock_id(n) for n in names}) == len(names)
    # A key with parts never collides with a bare key or another key's parts.
    with_parts = [lock_name(k, "00000000-0000-0000-0000-000000000001") for k in LockKey]
    assert len({_lock_id(n) for n in names + with_parts}) == 2 * len(names)


def test_lock_name():
    assert lock_name(LockKey.UPLOAD_QUOTA, "abc") == "uploads:abc"  # the upload lock's text before the registry
    assert lock_name(LockKey.SCAN_CELLS_BUILD) == "scan_cells_build"


def _held_by_others(name: str) -> bool:
    """Whether a second connection finds the session lock taken."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [name])
            got = cur.fetchone()[0]
            if got:
                cur.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [name])
        return not got
    finally:
        other.close()


def test_session_try_lock_excludes_others_and_is_released():
    name = lock_name(LockKey.SCAN_SPOOL_DRAIN)
    with advisory_session_try_lock(LockKey.SCAN_SPOOL_DRAIN) as held:
        assert held
        assert _held_by_others(name)
    assert not _held_by_others(name)


def test_session_try_lock_does_not_wait_for_a_holder():
    name = lock_name(LockKey.SCAN_SPOOL_DRAIN)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [name])
        with advisory_session_try_lock(LockKey.SCAN_SPOOL_DRAIN) as held:
            assert not held
    finally:
        other.close()  # ends its session, and its lock


def test_transaction_lock_is_held_until_the_transaction_ends():
    name = lock_name(LockKey.UPLOAD_QUOTA, "org-1")
    with transaction.atomic():
        advisory_xact_lock(None, LockKey.UPLOAD_QUOTA, "org-1")
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            assert cur.fetchone()[0] >= 1
        assert _held_by_others(name)


@pytest.mark.django_db(transaction=True)
def test_transaction_lock_outside_a_transaction_is_refused():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="outside transaction.atomic"):
        advisory_xact_lock(None, LockKey.SCAN_CELLS_BUILD)
