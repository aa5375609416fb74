"""Notices to guardians, each sent once (a Reminder row holds its key): a booking deadline
coming ("book next week before Thursday noon"), a place given from the waiting list. Written
in the reader's language by notify(); their e-mails go through the task worker."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicard.childhood.deadlines import deadline_for
from civicard.childhood.models import (
    HOLDS_A_PLACE,
    Activity,
    ChildEnrolment,
    EnrolmentStatus,
    Reminder,
    Reservation,
    State,
    UnitDay,
)
from civicard.notifications.operations import notify
from civicard.people.models import Person

# A deadline is announced when it falls within this time, by the daily run.
NOTICE_BEFORE = timedelta(days=2)
# The farthest day whose deadline can fall within it (holidays are booked weeks ahead).
LOOK_AHEAD = timedelta(days=35)


def send_once(key: str, person: Person, at: datetime, **message) -> bool:
    """The notice and its Reminder row in one transaction: a second run finds the key taken
    and sends nothing."""
    try:
        with transaction.atomic():
            Reminder.objects.create(key=key[:120], person=person, at=at)
            notify(to=person.addressee, at=at, **message)
    except IntegrityError:
        return False
    return True


def guardians(household_id: int):
    return Person.objects.filter(memberships__household=household_id,
                                 memberships__is_guardian=True, erased_at__isnull=True)


def place_offered(enrolment: ChildEnrolment, at: datetime) -> int:
    """Tell the child's guardians that a place was given to them from the waiting list."""
    sent = 0
    for guardian in guardians(enrolment.household_id):
        sent += send_once(
            f"place:{enrolment.pk}:{guardian.pk}", guardian, at,
            kind="childhood.place_offered", subject=_("A place for %(child)s"),
            body=_("A place became free: %(child)s is now enrolled in %(activity)s. "
                   "You can book the days."),
            params={"child": enrolment.child.display_name,
                    "activity": enrolment.activity.name},
            url=reverse("childhood:week", args=[enrolment.child_id]))
    return sent


def send_deadline_reminders(*, at: datetime) -> int:
    """For each booking deadline of the next two days: the guardians of each enrolled child
    with a day behind that deadline still not booked are told once, per child and deadline."""
    today = timezone.localtime(at).date()
    sent = 0
    for activity in Activity.objects.filter(season_ends_on__gte=today):
        by_deadline = defaultdict(list)
        for unit_day in UnitDay.objects.filter(unit__activity=activity, closed_at__isnull=True,
                                               day__range=(today, today + LOOK_AHEAD)):
            deadline = deadline_for(activity, unit_day.day)
            if at < deadline <= at + NOTICE_BEFORE:
                by_deadline[deadline].append(unit_day)
        for deadline, unit_days in sorted(by_deadline.items()):
            booked = defaultdict(set)
            for child_id, unit_day_id in Reservation.objects.filter(
                    unit_day__in=unit_days, state__in=(*HOLDS_A_PLACE, State.UNEXPECTED)
            ).values_list("child_id", "unit_day_id"):
                booked[child_id].add(unit_day_id)
            first_day = min(d.day for d in unit_days)
            for enrolment in (ChildEnrolment.objects.select_related("child")
                              .filter(activity=activity, status=EnrolmentStatus.ACTIVE)):
                if len(booked[enrolment.child_id]) == len(unit_days):
                    continue
                for guardian in guardians(enrolment.household_id):
                    sent += send_once(
                        f"deadline:{activity.pk}:{deadline:%Y%m%d%H%M}:{enrolment.child_id}:"
                        f"{guardian.pk}", guardian, at,
                        kind="childhood.deadline",
                        subject=_("Book %(activity)s before %(deadline)s"),
                        body=_("Bookings for %(child)s at %(activity)s from %(day)s close on "
                               "%(deadline)s. After that, you can no longer book or cancel "
                               "without paying."),
                        params={"child": enrolment.child.display_name,
                                "activity": activity.name,
                                "day": first_day, "deadline": timezone.localtime(deadline)},
                        url=(f"{reverse('childhood:week', args=[enrolment.child_id])}"
                             f"?week={first_day}"))
    return sent
