"""Idempotency keys: every request a terminal, a desk or a provider may retry carries one.

Each operation holds its key unique in its own table (a ledger entry, a decision, a
redemption): a retry finds the first record and returns it. This is the one check of a key's
shape, shared by every operation that takes one."""

from civicard.core.errors import IdempotencyKeyInvalid

KEY_MAX_LENGTH = 100  # the message of IdempotencyKeyInvalid says it


def check_key(key) -> str:
    """The key as given, when it is a non-blank string of at most KEY_MAX_LENGTH characters."""
    if not isinstance(key, str) or not key.strip() or len(key) > KEY_MAX_LENGTH:
        raise IdempotencyKeyInvalid(fields={"idempotency_key": [IdempotencyKeyInvalid.message]})
    return key
