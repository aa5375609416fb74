"""Read what the rules need about one presented credential, before any write.

Plain ORM queries, each asked only when the checkpoint makes it matter: the card and its
holder (and whether a staff door group of theirs opens here), the holder's households
(guardian ones first, then by id), the live enrolments in the checkpoint's service, the first
household's account and the tariffs in force for the checkpoint's uses, the holder's staff
windows here (staff only), the household's quota visits this year, a recent entry here
(anti-passback), and the rights other capabilities give (rights.py)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from civicard.access.decisions import rights
from civicard.access.models import (
    Checkpoint,
    Decision,
    DoorGroup,
    Outcome,
    Quota,
    QuotaCounter,
    TimeWindow,
)
from civicard.cards import codes
from civicard.cards.models import Card
from civicard.cards.queries import credential_lookup
from civicard.people.models import Membership, Person
from civicard.wallets.models import Account, Enrolment, Service, Tariff
from civicard.wallets.queries import Home, live_enrolments, tariffs_in_force

QR_MAX_LENGTH = 60


@dataclass(frozen=True)
class ScanContext:
    """One presentation at one checkpoint, as read: the rules decide from this alone."""

    checkpoint: Checkpoint  # with its facility, service and quota
    at: datetime  # aware
    credential: str = ""
    readable: bool = False  # a chip UID or a rotating QR payload
    card: Card | None = None  # with its holder, whatever its state
    homes: tuple[Home, ...] = ()
    enrolments: tuple[Enrolment, ...] = ()  # live in the service, the holder's and homes', by id
    account: Account | None = None  # the first home's, for the service
    tariffs: tuple[Tariff, ...] = ()  # in force for the checkpoint's uses
    staff_windows: tuple[TimeWindow, ...] = ()  # of the holder's door groups here, with group
    quota_used: int = 0  # the first home's visits this year
    passed_recently: bool = False  # allowed here within the anti-passback delay
    granted_by: tuple[rights.Grant, ...] = ()  # other capabilities' rights (rights.py)

    @property
    def person(self) -> Person | None:
        return self.card.person if self.card is not None else None

    @property
    def service(self) -> Service | None:
        return self.checkpoint.service

    @property
    def day(self) -> date:
        return timezone.localtime(self.at).date()

    @property
    def quota(self) -> Quota | None:
        return quota_of(self.service)


def quota_of(service: Service | None) -> Quota | None:
    try:
        return service.quota if service is not None else None
    except Quota.DoesNotExist:
        return None


def is_readable(credential: str) -> bool:
    """A chip UID, or a rotating QR payload CC1.<number>.<code>."""
    if credential.startswith(codes.QR_PREFIX + "."):
        return credential.count(".") == 2 and len(credential) <= QR_MAX_LENGTH
    return codes.normalise_uid(credential) is not None


def logged_answer(terminal_id: int, key: str) -> dict | None:
    """The answer already given for this key at this terminal, if any."""
    return (Decision.objects.filter(terminal_id=terminal_id, idempotency_key=key)
            .values_list("response", flat=True).first())


def door_groups_at(checkpoint: Checkpoint) -> QuerySet[DoorGroup]:
    """The staff door groups that open the checkpoint, directly or through its facility."""
    return DoorGroup.objects.filter(Q(checkpoints=checkpoint)
                                    | Q(facilities=checkpoint.facility_id)).distinct()


def enrolled_cards(cards: QuerySet[Card], service: Service,
                   on: date) -> tuple[QuerySet[Card], QuerySet[Card]]:
    """Of `cards`, those whose holder has a live enrolment in `service` on `on`: their own, then
    a household's (ages and residence are checked at the scan, by rule 3). Two querysets of one
    IN subquery each, which PostgreSQL runs as semi-joins (one query with both, joined by OR,
    is planned row by row on a million cards)."""
    live = live_enrolments(service=service, on=on)
    in_households = Membership.objects.filter(household_id__in=live.values("household_id"))
    return (cards.filter(person_id__in=live.values("person_id")),
            cards.filter(person_id__in=in_households.values("person_id")))


def read(checkpoint: Checkpoint, credential: str, at: datetime) -> ScanContext:
    """What the rules need to decide on `credential` presented at `checkpoint` at `at`."""
    readable = is_readable(credential)
    lookup = credential_lookup(credential) if readable else None
    card = (Card.objects.select_related("person").filter(**lookup).annotate(
        staff_here=Exists(door_groups_at(checkpoint).filter(members=OuterRef("person_id"))))
        .first() if lookup is not None else None)
    if card is None:
        return ScanContext(checkpoint=checkpoint, at=at, credential=credential,
                           readable=readable)
    person, service, day = card.person, checkpoint.service, timezone.localtime(at).date()
    homes = tuple(Home.of(membership.household) for membership in (
        Membership.objects.filter(person=person)
        .select_related("household__address__neighbourhood")
        .order_by("-is_guardian", "household_id")))
    found = {"homes": homes}
    if card.staff_here:
        found["staff_windows"] = tuple(
            TimeWindow.objects.filter(group__in=door_groups_at(checkpoint).filter(members=person))
            .select_related("group").order_by("pk"))
    if service is not None:
        found["enrolments"] = tuple(
            live_enrolments(service=service, on=day)
            .filter(Q(person=person) | Q(household_id__in=[home.id for home in homes]))
            .order_by("pk"))
    quota = quota_of(service)
    uses = {use for use in (checkpoint.charge_use, quota and quota.charge_use) if use}
    if service is not None and service.has_wallet and homes and uses:
        found["account"] = Account.objects.filter(household_id=homes[0].id,
                                                  service=service).first()
        if found["account"] is not None:
            found["account"].service = service
        found["tariffs"] = tuple(tariffs_in_force(service=service, on=day, uses=uses))
    if quota is not None and homes:
        found["quota_used"] = (QuotaCounter.objects.filter(
            quota=quota, household_id=homes[0].id, year=day.year)
            .values_list("used", flat=True).first() or 0)
    if checkpoint.passback_seconds:
        found["passed_recently"] = Decision.objects.filter(
            person=person, checkpoint=checkpoint, outcome=Outcome.ALLOW,
            at__gt=at - timedelta(seconds=checkpoint.passback_seconds), at__lte=at).exists()
    return ScanContext(checkpoint=checkpoint, at=at, credential=credential, readable=True,
                       card=card, granted_by=rights.granting(person, checkpoint, at), **found)
