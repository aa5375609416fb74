"""Terminals: registration (the token is shown once, its hash kept), revocation, the bearer
token of each call, and the last contact."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction

from civicard.access.exceptions import AlreadyRevoked, NameMissing, TerminalUnauthorized
from civicard.access.models import Checkpoint, Terminal
from civicard.access.setup import check_manages, one_line
from civicard.core import audit

TOUCH_EVERY = timedelta(seconds=30)        # last contact is written at most this often
TOKEN_MAX_LENGTH = 200


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def terminal_for_token(token: str | None) -> Terminal:
    """The active terminal behind a bearer token, with its checkpoint, facility, service and
    quota, or TerminalUnauthorized (HTTP 401)."""
    terminal = (Terminal.objects.select_related("checkpoint__facility",
                                                "checkpoint__service__quota")
                .filter(token_hash=token_hash(token), revoked_at__isnull=True).first()
                if token and len(token) <= TOKEN_MAX_LENGTH else None)
    if terminal is None:
        raise TerminalUnauthorized()
    return terminal


def touch(terminal: Terminal, *, now: datetime, software_version: str = "") -> None:
    version = (software_version or "")[:40]
    if (terminal.last_seen_at is None or now - terminal.last_seen_at >= TOUCH_EVERY
            or (version and version != terminal.software_version)):
        fields = {"last_seen_at": now}
        if version:
            fields["software_version"] = version
        Terminal.objects.filter(pk=terminal.pk).update(**fields)
        for name, value in fields.items():
            setattr(terminal, name, value)


def register_terminal(*, checkpoint: Checkpoint, name: str, language: str = "fr", actor,
                      at: datetime, token: str | None = None) -> tuple[Terminal, str]:
    """Register a device; the token is returned once and only its hash is kept."""
    check_manages(actor, checkpoint.facility.commune_id)
    name = one_line(name)
    if not name:
        raise NameMissing(fields={"name": [NameMissing.message]})
    token = token or "cct_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        terminal = Terminal.objects.create(
            checkpoint=checkpoint, name=name, language=language or "fr",
            token_hash=token_hash(token), token_hint=token[-4:], registered_at=at,
            registered_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(actor=actor, action="terminal.registered", obj=terminal, at=at)
    return terminal, token


def revoke_terminal(*, terminal: Terminal, actor, at: datetime) -> Terminal:
    check_manages(actor, terminal.checkpoint.facility.commune_id)
    with transaction.atomic():
        if not Terminal.objects.filter(pk=terminal.pk, revoked_at__isnull=True).update(
                revoked_at=at):
            raise AlreadyRevoked()
        audit.record(actor=actor, action="terminal.revoked", obj=terminal, at=at)
    terminal.refresh_from_db()
    return terminal
