"""A change written with a lower version that commits after a terminal's sync still reaches
the terminal's next delta (decision 0016's missed delta, closed by allowlist.OVERLAP). Real
connections on PostgreSQL: ids are taken in write order and seen in commit order."""

import json
import threading
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.db.models.functions import Now

from civicard.access import allowlist
from civicard.access.models import AccessChange
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.people.models import Household, Membership, Person

from .conftest import AT, enrol

pytestmark = pytest.mark.django_db(transaction=True)

LATE_UID, EARLY_UID = "04000000000A01", "04000000000B02"


def _holder(territory, name, uid):
    person = Person.objects.create(full_name=name)
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=person, is_guardian=True)
    Card.objects.create(person=person, kind="physical", number=codes.new_number(),
                        uid_hash=codes.uid_hash(uid), uid_hint=uid[-4:], status="active",
                        issued_at=AT, expires_on=date(2030, 1, 1))
    return person


def _all_written_long_ago(territory):
    """The setup's changes (the door's creation is a broad one) as if written long before the
    overlap, then one change now (of someone with no right here) for the version to sync at."""
    AccessChange.objects.update(written_at=Now() - allowlist.OVERLAP - timedelta(minutes=1))
    _holder(territory, "Bystander", "04000000000C03")


def _cards(document: bytes) -> set[str]:
    return {h for h, _profile in json.loads(document)["cards"]}


def test_a_change_committed_after_a_sync_with_a_lower_version_is_in_the_next_delta(
        postgres_only, territory, pool_service, make_checkpoint, make_terminal):
    door = make_checkpoint(pool_service)
    terminal, _ = make_terminal(door)
    late = _holder(territory, "Late Commit", LATE_UID)
    early = _holder(territory, "Early Commit", EARLY_UID)
    _all_written_long_ago(territory)
    listed = allowlist.build(terminal, since=None, now=AT)
    assert _cards(listed) == set()  # nobody is enrolled yet
    first = json.loads(listed)["version"]
    written, synced = threading.Event(), threading.Event()
    late_id = []

    def slow_writer():  # its own connection: enrols Late, waits for the sync, then commits
        try:
            with transaction.atomic():
                enrol(pool_service, person=late)
                late_id.append(AccessChange.objects.filter(person=late).latest("id").id)
                written.set()
                assert synced.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert written.wait(30)

    def quick_writer():  # another connection: enrols Early, a later id, committed at once
        try:
            enrol(pool_service, person=early)
        finally:
            connection.close()

    quick = threading.Thread(target=quick_writer)
    quick.start()
    quick.join()
    sync = allowlist.build(terminal, since=str(first), now=AT)  # the late change is unseen
    synced.set()
    writer.join()
    version = json.loads(sync)["version"]
    late_hash, early_hash = (allowlist.short(codes.uid_hash(u)) for u in (LATE_UID, EARLY_UID))
    assert _cards(sync) == {early_hash}
    assert late_id[0] < version  # the ids alone (id > version) would never send it again
    assert not AccessChange.objects.filter(id__gt=version, person=late).exists()
    following = allowlist.build(terminal, since=str(version), now=AT)
    assert json.loads(following)["full"] is False
    assert _cards(following) == {late_hash, early_hash}  # Early again: harmless


def test_changes_written_long_before_the_version_are_not_sent_again(
        postgres_only, territory, pool_service, make_checkpoint, make_terminal):
    door = make_checkpoint(pool_service)
    terminal, _ = make_terminal(door)
    old = _holder(territory, "Old Change", LATE_UID)
    enrol(pool_service, person=old)
    _all_written_long_ago(territory)
    version = json.loads(allowlist.build(terminal, since=None, now=AT))["version"]
    fresh = _holder(territory, "Fresh Change", EARLY_UID)
    enrol(pool_service, person=fresh)
    assert _cards(allowlist.build(terminal, since=str(version), now=AT)) == {
        allowlist.short(codes.uid_hash(EARLY_UID))}
