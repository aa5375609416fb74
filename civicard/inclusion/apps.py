from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InclusionConfig(AppConfig):
    name = "civicard.inclusion"
    label = "inclusion"
    verbose_name = _("Digital inclusion")

    def ready(self):
        from civicard.people.signals import person_erased

        person_erased.connect(_forget_person, dispatch_uid="inclusion_forget_person")


def _forget_person(sender, person, at, **kwargs):
    """A person erased their account: their log entries stay only as anonymous statistics
    (the pseudonym cannot be linked to anyone any more), their future appointments are
    cancelled."""
    from civicard.inclusion.models import Accompaniment, Appointment

    Accompaniment.objects.filter(person=person).update(person=None)
    Appointment.objects.filter(person=person, status=Appointment.Status.BOOKED,
                               starts_at__gt=at).update(status=Appointment.Status.CANCELLED,
                                                        cancelled_at=at)
