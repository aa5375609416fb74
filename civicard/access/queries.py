"""Reads for the manager's and the resident's pages."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch
from django.db.models.functions import TruncDate
from django.utils import timezone

from civicard.access.models import (
    Checkpoint,
    Decision,
    DoorGroup,
    Facility,
    Outcome,
    Quota,
    QuotaCounter,
    Terminal,
)
from civicard.core.permissions import Role, check_role
from civicard.people.models import Person

LOG_LIMIT = 100


def facilities_overview(manager):
    check_role(manager, Role.SERVICE_MANAGER)
    terminals = Terminal.objects.order_by("revoked_at", "name")
    return list(Facility.objects.prefetch_related(
        Prefetch("checkpoints", queryset=Checkpoint.objects.select_related("service")
                 .prefetch_related(Prefetch("terminals", queryset=terminals))))
        .order_by("name"))


def door_groups(manager):
    check_role(manager, Role.SERVICE_MANAGER)
    return list(DoorGroup.objects.prefetch_related("windows", "members", "facilities",
                                                   "checkpoints__facility").order_by("name"))


def quotas(manager):
    check_role(manager, Role.SERVICE_MANAGER)
    return list(Quota.objects.select_related("service").order_by("service__name"))


def checkpoints_for_registration(manager):
    check_role(manager, Role.SERVICE_MANAGER)
    return Checkpoint.objects.select_related("facility").order_by("facility__name", "name")


def terminal_for_manager(manager, pk: int) -> Terminal:
    check_role(manager, Role.SERVICE_MANAGER)
    return Terminal.objects.select_related("checkpoint__facility").get(pk=pk)


def decision_log(manager, *, facility_id=None, outcome=None, reason=None, limit=LOG_LIMIT):
    check_role(manager, Role.SERVICE_MANAGER)
    rows = (Decision.objects.select_related("checkpoint__facility", "terminal", "person")
            .order_by("-recorded_at", "-id"))
    if facility_id:
        rows = rows.filter(checkpoint__facility_id=facility_id)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if reason:
        rows = rows.filter(reason_code=reason)
    return list(rows[:limit])


@dataclass
class WeeklyUses:
    facility: str
    days: list  # [(date, count)] for the 7 days
    total: int


def weekly_uses(manager, *, now: datetime, weeks: int = 1) -> tuple[list[WeeklyUses], list]:
    """Allowed uses per facility and day over the last 7 days (local days)."""
    check_role(manager, Role.SERVICE_MANAGER)
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    days = [today - timedelta(days=offset) for offset in range(6, -1, -1)]
    start = timezone.make_aware(datetime.combine(days[0], datetime.min.time()), tz)
    counts = (Decision.objects.filter(outcome=Outcome.ALLOW, at__gte=start, at__lte=now)
              .annotate(day=TruncDate("at", tzinfo=tz))
              .values_list("checkpoint__facility__name", "day").annotate(n=Count("id")))
    table: dict[str, dict] = {}
    for name, day, n in counts:
        table.setdefault(name, {})[day] = n
    names = sorted(Facility.objects.values_list("name", flat=True))
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
