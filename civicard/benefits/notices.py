"""The monthly notices: "your free entries are here" on the 1st, and "N entries lapse in 3 days"
three days before the month ends. Sent in chunks by person id, resumable, never twice."""

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicard.benefits import rules
from civicard.benefits.models import (
    Eligibility,
    Grant,
    MonthlyUsage,
    NoticePreference,
    NoticeRun,
    Programme,
    ProgrammeMember,
)
from civicard.cards.models import Card, CardStatus
from civicard.notifications.operations import notify
from civicard.people.models import Person
from civicard.territory.queries import Name

AVAILABLE_SUBJECT = _("Your free entries of the month are here")
AVAILABLE_BODY = _("You have %(count)s free entries for %(programme)s this month, until "
                   "%(end)s. Show your card at a partner venue.")
LAPSE_SUBJECT = _("Your free entries end in 3 days")
LAPSE_BODY = _("You still have %(count)s free entries for %(programme)s. They end on %(end)s.")


def kind_due(at: datetime) -> str | None:
    day = rules.local_date(at)
    if day.day == 1:
        return NoticeRun.Kind.AVAILABLE
    if (rules.month_end(day.replace(day=1)) - day).days == 3:
        return NoticeRun.Kind.LAPSE
    return None


def recipients(programme: Programme, month, kind: str):
    """Card holders eligible for the programme who did not opt out (and, for the lapse notice,
    still have entries left), in person id order."""
    people = Person.objects.filter(
        Exists(Card.objects.filter(person=OuterRef("pk"), status=CardStatus.ACTIVE)),
        erased_at__isnull=True,
    ).exclude(Exists(NoticePreference.objects.filter(person=OuterRef("pk"),
                                                     monthly_notices=False)))
    if programme.eligibility == Eligibility.NEIGHBOURHOODS:
        people = people.filter(memberships__household__address__neighbourhood__in=programme
                               .neighbourhoods.all()).distinct()
    elif programme.eligibility == Eligibility.CHOSEN:
        people = people.filter(Exists(ProgrammeMember.objects.filter(
            programme=programme, person=OuterRef("pk"))))
    if kind == NoticeRun.Kind.LAPSE:
        people = people.exclude(Exists(MonthlyUsage.objects.filter(
            person=OuterRef("pk"), programme=programme, month=month,
            used__gte=programme.entries_per_month)))
    return people.order_by("pk")


def send_month_notices(*, kind: str, at: datetime, chunk: int = 500) -> int:
    """Send `kind` notices for every monthly programme; returns how many were sent. Run from
    the daily `civicard benefits_notices` command; a crash resumes where it stopped."""
    month = rules.month_of(at)
    day = rules.local_date(at)
    total = 0
    for programme in (Programme.objects.filter(grant=Grant.MONTHLY, starts_on__lte=day)
                      .exclude(ends_on__lt=day)):
        run, _created = NoticeRun.objects.get_or_create(
            programme=programme, month=month, kind=kind, defaults={"started_at": at})
        if run.finished_at:
            continue
        end = rules.month_end(month)
        while True:
            with transaction.atomic():
                batch = list(recipients(programme, month, kind)
                             .filter(pk__gt=run.last_person_id)[:chunk])
                if not batch:
                    run.finished_at = at
                    run.save(update_fields=["finished_at"])
                    break
                used = dict(MonthlyUsage.objects.filter(
                    programme=programme, month=month, person__in=batch)
                    .values_list("person_id", "used"))
                for person in batch:
                    left = programme.entries_per_month - used.get(person.pk, 0)
                    notify(to=person.addressee, kind=f"benefits.{kind}",
                           subject=AVAILABLE_SUBJECT if kind == "available" else LAPSE_SUBJECT,
                           body=AVAILABLE_BODY if kind == "available" else LAPSE_BODY,
                           params={"count": left, "programme": Name(programme.name), "end": end},
                           url=reverse("benefits:mine"), at=at)
                run.last_person_id = batch[-1].pk
                run.sent += len(batch)
                run.save(update_fields=["last_person_id", "sent"])
                total += len(batch)
    return total
