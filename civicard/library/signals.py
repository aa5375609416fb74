"""The library's part in a person's data export and in their erasure."""

from django.dispatch import receiver

from civicard.library import operations, queries
from civicard.people.models import Person
from civicard.people.signals import person_erased, person_exported


@receiver(person_exported, sender=Person, dispatch_uid="library_person_exported")
def export_library_data(sender, person, **kwargs):
    return {"library": queries.export_of(person)}


@receiver(person_erased, dispatch_uid="library_person_erased")
def forget_person(sender, person, at, **kwargs):
    operations.forget_person(person=person, at=at)
