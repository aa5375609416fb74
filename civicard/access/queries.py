"""Reads for the manager's and the resident's pages. A manager scoped to communes sees only
the places of those communes, with their checkpoints, terminals, door groups and decisions."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from civicard.access.decisions import rights
from civicard.access.models import (
    Checkpoint,
    DailyUses,
    Decision,
    DoorGroup,
    Facility,
    Outcome,
    Quota,
    QuotaCounter,
    Terminal,
    TimeWindow,
)
from civicard.cards.models import Card, CardStatus
from civicard.cards.queries import find_people
from civicard.core.errors import NotFound
from civicard.core.permissions import Role, check_role, role_communes
from civicard.people.models import Person
from civicard.territory.models import Commune
from civicard.wallets.models import Service

LOG_LIMIT = 100


def _scoped(manager, rows, commune_field: str):
    """`rows` limited to the manager's communes (all of them for a territory-wide manager)."""
    check_role(manager, Role.SERVICE_MANAGER)
    communes = role_communes(manager, Role.SERVICE_MANAGER)
    return rows if communes is None else rows.filter(**{f"{commune_field}__in": communes})


def _one(rows, pk):
    try:
        return rows.get(pk=pk)
    except rows.model.DoesNotExist:
        raise NotFound() from None


def is_territory_wide(manager) -> bool:
    return role_communes(manager, Role.SERVICE_MANAGER) is None


def facilities_for_manager(manager):
    return _scoped(manager, Facility.objects, "commune_id").order_by("name")


def facilities_overview(manager):
    terminals = Terminal.objects.order_by("revoked_at", "name")
    return list(facilities_for_manager(manager).select_related("commune")
                .prefetch_related(Prefetch(
                    "checkpoints", queryset=Checkpoint.objects.select_related("service")
                    .prefetch_related(Prefetch("terminals", queryset=terminals)))))


def _groups(manager):
    """Door groups all of whose places the manager manages (a group opening no place is
    seen only territory-wide)."""
    check_role(manager, Role.SERVICE_MANAGER)
    groups = DoorGroup.objects.all()
    communes = role_communes(manager, Role.SERVICE_MANAGER)
    if communes is None:
        return groups
    foreign = Facility.objects.exclude(commune_id__in=communes)
    return (groups.exclude(facilities__in=foreign).exclude(checkpoints__facility__in=foreign)
            .filter(Exists(DoorGroup.facilities.through.objects.filter(doorgroup=OuterRef("pk")))
                    | Exists(DoorGroup.checkpoints.through.objects.filter(
                        doorgroup=OuterRef("pk")))))


def door_groups(manager):
    return list(_groups(manager).prefetch_related("windows", "members", "facilities",
                                                  "checkpoints__facility").order_by("name"))


def quotas(manager):
    return list(_scoped(manager, Quota.objects, "service__commune_id")
                .select_related("service").order_by("service__name"))


def checkpoints_for_manager(manager):
    return (_scoped(manager, Checkpoint.objects, "facility__commune_id")
            .select_related("facility").order_by("facility__name", "name"))


def terminal_for_manager(manager, pk: int) -> Terminal:
    return _one(_scoped(manager, Terminal.objects, "checkpoint__facility__commune_id")
                .select_related("checkpoint__facility"), pk)


def facility_for_manager(manager, pk: int) -> Facility:
    return _one(facilities_for_manager(manager), pk)


def checkpoint_for_manager(manager, pk: int) -> Checkpoint:
    return _one(_scoped(manager, Checkpoint.objects, "facility__commune_id")
                .select_related("facility", "service"), pk)


def door_group_for_manager(manager, pk: int) -> DoorGroup:
    return _one(_groups(manager).prefetch_related("windows", "facilities",
                                                  "checkpoints__facility"), pk)


def window_of(group: DoorGroup, pk: int) -> TimeWindow:
    return _one(group.windows.select_related("group"), pk)


def group_members(group: DoorGroup):
    return group.members.order_by("full_name", "pk")


def quota_for_manager(manager, pk: int) -> Quota:
    return _one(_scoped(manager, Quota.objects, "service__commune_id")
                .select_related("service"), pk)


def communes_for_manager(manager):
    return _scoped(manager, Commune.objects, "pk").order_by("name")


def services_for_manager(manager):
    """Services a checkpoint of the manager's may serve: their communes' and the
    territory's."""
    check_role(manager, Role.SERVICE_MANAGER)
    communes = role_communes(manager, Role.SERVICE_MANAGER)
    services = Service.objects.order_by("name")
    return services if communes is None else services.filter(
        Q(commune_id__in=communes) | Q(commune__isnull=True))


def services_without_quota(manager):
    return (_scoped(manager, Service.objects, "commune_id")
            .filter(quota__isnull=True).order_by("name"))


def staff_candidates(manager, text: str):
    """People a manager may add to a door group: the counter search by name or card number,
    with their live cards' last digits to tell namesakes apart."""
    live = Card.objects.filter(status=CardStatus.ACTIVE).order_by("kind", "-issued_at")
    return find_people(manager, text).prefetch_related(Prefetch("cards", queryset=live,
                                                                to_attr="live_cards"))


def person_for_manager(manager, pk: int) -> Person:
    check_role(manager, Role.SERVICE_MANAGER)
    return _one(Person.objects.filter(erased_at__isnull=True), pk)


def decisions_for(manager, *, facility_id=None, outcome=None, reason=None):
    """The decisions a manager may read, newest first, filtered."""
    rows = (_scoped(manager, Decision.objects, "checkpoint__facility__commune_id")
            .select_related("checkpoint__facility", "terminal", "person")
            .order_by("-recorded_at", "-id"))
    if facility_id:
        rows = rows.filter(checkpoint__facility_id=facility_id)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if reason:
        rows = rows.filter(reason_code=reason)
    return rows


def decision_log(manager, *, before: int | None = None, **filters):
    """A page of the live log: the LOG_LIMIT decisions after the one numbered `before` (keyset
    paging: as fast on the thousandth page as on the first)."""
    rows = decisions_for(manager, **filters)
    if before:
        last = Decision.objects.filter(pk=before).values_list("recorded_at", flat=True).first()
        if last is not None:
            rows = rows.filter(Q(recorded_at__lt=last) | Q(recorded_at=last, id__lt=before))
    rows = list(rows[:LOG_LIMIT])
    for row in rows:  # which booking (another capability's grant) let the card in
        row.granted = rights.label(row.right, row.right_reference)
    return rows


@dataclass
class WeeklyUses:
    facility: str
    days: list  # [(date, count)] for the 7 days
    total: int


def weekly_uses(manager, *, now: datetime, weeks: int = 1) -> tuple[list[WeeklyUses], list]:
    """Allowed uses per facility and day over the last 7 days (local days), read from the
    DailyUses summary (recount_daily_uses counts the same from the decisions)."""
    today = timezone.localtime(now).date()
    days = [today - timedelta(days=offset) for offset in range(6, -1, -1)]
    counts = (_scoped(manager, DailyUses.objects, "checkpoint__facility__commune_id")
              .filter(day__gte=days[0], day__lte=today)
              .values_list("checkpoint__facility__name", "day").annotate(n=Sum("allowed"))
              .order_by())
    table: dict[str, dict] = {}
    for name, day, n in counts:
        table.setdefault(name, {})[day] = n
    names = sorted(_scoped(manager, Facility.objects, "commune_id")
                   .values_list("name", flat=True))
    result = [WeeklyUses(name, [(d, table.get(name, {}).get(d, 0)) for d in days],
                         sum(table.get(name, {}).values())) for name in names]
    return result, days


def my_history(person: Person, *, limit: int = 50):
    """Where the resident's own cards were used (never anyone else's)."""
    return list(Decision.objects.filter(person=person)
                .select_related("checkpoint__facility").order_by("-at", "-id")[:limit])


@dataclass
class QuotaLeft:
    service: str
    free_left: int
    total_left: int
    used: int
    free_per_year: int


def my_quotas(person: Person, *, now: datetime) -> list[QuotaLeft]:
    year = timezone.localtime(now).year
    household_ids = list(person.memberships.values_list("household_id", flat=True))
    used = {}
    for quota_id, n in (QuotaCounter.objects.filter(household_id__in=household_ids, year=year)
                        .values_list("quota_id", "used")):
        used[quota_id] = max(used.get(quota_id, 0), n)
    enrolled = Quota.objects.select_related("service").filter(
        service__enrolments__household_id__in=household_ids).distinct()
    return [QuotaLeft(q.service.name, max(q.free_per_year - used.get(q.pk, 0), 0),
                      max(q.max_per_year - used.get(q.pk, 0), 0), used.get(q.pk, 0),
                      q.free_per_year) for q in enrolled]


def recount_daily_uses():
    """{(checkpoint id, terminal id, local day): allowed decisions}, counted from every
    decision: what DailyUses must hold (the rebuild command and the tests use it)."""
    tz = timezone.get_current_timezone()
    rows = (Decision.objects.filter(outcome=Outcome.ALLOW).order_by()
            .annotate(day=TruncDate("at", tzinfo=tz))
            .values_list("checkpoint_id", "terminal_id", "day").annotate(n=Count("id")))
    return {(checkpoint, terminal, day): n for checkpoint, terminal, day, n in rows}
