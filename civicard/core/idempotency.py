"""Idempotency keys: every request a terminal, a desk or a provider may retry carries one.

Most operations hold their key unique in their own table (a ledger entry, a decision, a
redemption): a retry finds the first record and returns it. An operation whose answer is not
one row of its own (a roll-call mark, which may change a reservation or refuse) stores its first
answer under (scope, key) with `replay_or_run`. `check_key` is the one check of a key's shape,
shared by every operation that takes one."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from civicard.core import clock
from civicard.core.errors import IdempotencyConflict, IdempotencyKeyInvalid
from civicard.core.models import IdempotencyKey

KEY_MAX_LENGTH = 100  # the message of IdempotencyKeyInvalid says it


def check_key(key) -> str:
    """The key as given, when it is a non-blank string of at most KEY_MAX_LENGTH characters."""
    if not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX_LENGTH:
        raise IdempotencyKeyInvalid(fields={"idempotency_key": [IdempotencyKeyInvalid.message]})
    return key


def fingerprint(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def replay_or_run(*, scope: str, key: str, payload, run: Callable[[], tuple[int, dict]]):
    """Return (status, body): the stored answer for a retry, or `run()`'s, stored atomically with
    the work it did. Two racing requests with one key: one runs, the other gets its answer; the
    same key with another payload is an IdempotencyConflict."""
    key, digest = check_key(key), fingerprint(payload)
    stored = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if stored is None:
        try:
            with transaction.atomic():
                status, body = run()
                IdempotencyKey.objects.create(
                    scope=scope, key=key, fingerprint=digest, status_code=status,
                    response=body, created_at=clock.now(),
                )
                return status, body
        except IntegrityError:
            stored = IdempotencyKey.objects.filter(scope=scope, key=key).first()
            if stored is None:
                raise
    if stored.fingerprint != digest:
        raise IdempotencyConflict()
    return stored.status_code, stored.response
