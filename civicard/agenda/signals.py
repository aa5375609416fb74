"""Association events are written in mutual aid; each new one goes to the agenda's moderators."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from civicard.core import clock
from civicard.mutualaid.models import Event as AssociationEvent
from civicard.people.signals import person_erased, person_exported


@receiver(post_save, sender=AssociationEvent, dispatch_uid="agenda_association_event")
def submit_to_agenda(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from civicard.agenda.operations import submit_association_event

        submit_association_event(association_event=instance, at=clock.now())


@receiver(person_erased, dispatch_uid="agenda_person_erased")
def forget_follows(sender, person, at, **kwargs):
    """An erased person follows nothing, has no private calendar address and no phone to ring."""
    from civicard.agenda.operations import forget_person

    forget_person(person=person, at=at)


@receiver(person_exported, dispatch_uid="agenda_person_exported")
def export_follows(sender, person, **kwargs):
    from civicard.agenda.queries import export_of

    return {"agenda": export_of(person)}
