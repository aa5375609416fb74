"""Retried requests: the first answer is stored under (scope, key) and replayed to any retry."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from civicard.core import clock
from civicard.core.errors import IdempotencyConflict
from civicard.core.models import IdempotencyKey


def fingerprint(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def replay_or_run(*, scope: str, key: str, payload, run: Callable[[], tuple[int, dict]]):
    """Return (status, body): the stored answer for a retry, or `run()`'s, stored atomically with
    the work it did. Two racing requests with one key: one runs, the other gets its answer."""
    digest = fingerprint(payload)
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
