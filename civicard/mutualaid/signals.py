from django.dispatch import receiver

from civicard.people.signals import person_erased


@receiver(person_erased)
def erase_mutual_aid(sender, person, at, **kwargs):
    """An erased person's posts, requests to the town and helpful-neighbour card go with them;
    the reports they made stay with the social services, without the reporter."""
    from civicard.mutualaid.models import HelpfulNeighbour, Post, TownRequest

    Post.objects.filter(author=person).delete()
    TownRequest.objects.filter(person=person).delete()
    HelpfulNeighbour.objects.filter(person=person).delete()
