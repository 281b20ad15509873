"""PostgreSQL advisory locks: one registry of keys, one way to take them.

A lock is named by a `LockKey` and optional parts (an organization id, ...). PostgreSQL turns
the text "<key>:<part>:..." into the bigint lock id (`hashtextextended(text, 0)`), so a new
lock is a new member here, never a magic number in an app. Row locks are not advisory locks:
an organization's row is locked by `tenants.services.organization_lock` / `organizations_lock`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from enum import StrEnum, unique
from typing import Any

from django.db import DatabaseError, connection


@unique
class LockKey(StrEnum):
    # Session lock: one drain of the Redis scan spool at a time (qrcodes.counting), held
    # until the drained items are trimmed from the list.
    SCAN_SPOOL_DRAIN = "scan_spool_drain"
    # Transaction lock: one build of the console's daily scan cells at a time (oi_admin.cells).
    SCAN_CELLS_BUILD = "scan_cells_build"
    # Transaction lock per organization: an upload's quota check and counter update
    # (uploads.services). The text predates this registry and is kept, so processes of the
    # previous release exclude this one during a deploy.
    UPLOAD_QUOTA = "uploads"


_XACT_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
_TRY_LOCK = "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))"
_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended(%s, 0))"


def lock_name(key: LockKey, *parts: Any) -> str:
    """The text PostgreSQL hashes into the lock id: "<key>" or "<key>:<part>:..."."""
    return ":".join([LockKey(key).value, *(str(p) for p in parts)])


def advisory_xact_lock(cursor: Any | None, key: LockKey, *parts: Any) -> None:
    """Wait for the lock and hold it until the current transaction ends. Only inside
    `transaction.atomic()`: in autocommit the lock would be released as soon as it is taken.
    `cursor`: an open cursor of the default connection, or None to use a new one."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"advisory_xact_lock({key!s}) outside transaction.atomic() protects nothing")
    if cursor is None:
        with connection.cursor() as cur:
            cur.execute(_XACT_LOCK, [lock_name(key, *parts)])
    else:
        cursor.execute(_XACT_LOCK, [lock_name(key, *parts)])


@contextlib.contextmanager
def advisory_session_try_lock(key: LockKey, *parts: Any) -> Iterator[bool]:
    """Try the session-level lock without waiting; yields whether this connection holds it and
    releases it when the block ends (even across commits inside the block). If the release
    fails (connection lost), the lock ends with the session."""
    name = lock_name(key, *parts)
    with connection.cursor() as cur:
        cur.execute(_TRY_LOCK, [name])
        held = bool(cur.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with contextlib.suppress(DatabaseError), connection.cursor() as cur:
                cur.execute(_UNLOCK, [name])
