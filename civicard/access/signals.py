"""Feed the allow-list change counter from every write that can change who may pass."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from civicard.access.models import AccessChange, Checkpoint, DoorGroup, Quota, TimeWindow
from civicard.cards.models import Card, CardEvent
from civicard.core import clock
from civicard.people.models import Membership
from civicard.wallets.models import Enrolment


def _changed(person_ids):
    at = clock.now()
    AccessChange.objects.bulk_create([AccessChange(person_id=pk, at=at) for pk in person_ids])


@receiver(post_save, sender=Card)
def card_saved(sender, instance, **kwargs):
    _changed([instance.person_id])


@receiver(post_save, sender=CardEvent)
def card_event(sender, instance, **kwargs):
    # Blocking a card updates it with .update(): its event row is the signal we get.
    _changed([instance.card.person_id])


@receiver([post_save, post_delete], sender=Enrolment)
def enrolment_changed(sender, instance, **kwargs):
    if instance.person_id:
        _changed([instance.person_id])
    else:
        _changed(list(Membership.objects.filter(household_id=instance.household_id)
                      .values_list("person_id", flat=True)))


@receiver([post_save, post_delete], sender=Membership)
def membership_changed(sender, instance, **kwargs):
    _changed([instance.person_id])


@receiver(m2m_changed, sender=DoorGroup.members.through)
def members_changed(sender, instance, action, pk_set, **kwargs):
    group_side = isinstance(instance, DoorGroup)
    if action == "pre_clear" and group_side:
        # once cleared, nobody is left to name: record those about to leave
        _changed(list(instance.members.values_list("pk", flat=True)))
    elif action in ("post_add", "post_remove"):
        _changed(pk_set if group_side else [instance.pk])
    elif action == "post_clear" and not group_side:
        _changed([instance.pk])


@receiver([post_save, post_delete], sender=DoorGroup)
@receiver([post_save, post_delete], sender=TimeWindow)
@receiver([post_save, post_delete], sender=Checkpoint)
@receiver(m2m_changed, sender=DoorGroup.facilities.through)
@receiver(m2m_changed, sender=DoorGroup.checkpoints.through)
def everything_changed(sender, **kwargs):
    if kwargs.get("action", "post_").startswith("post_"):
        _changed([None])


@receiver(post_save, sender=Quota)
@receiver(post_delete, sender=Quota)
def quota_changed(sender, created=True, **kwargs):
    # A quota makes entries at its service's checkpoints charged (the lists' holder profile);
    # changing its figures changes nothing offline.
    if created:
        _changed([None])
