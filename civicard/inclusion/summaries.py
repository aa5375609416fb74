"""The goal dashboard's summary (FirstSeen), recounted from the accompaniments."""

from django.db import transaction

from civicard.inclusion.models import FirstSeen
from civicard.inclusion.queries import recount_first_seen


def rebuild() -> int:
    """Replace every FirstSeen row by the first day of each person in each neighbourhood.
    Run it while no mediator logs (install, restore), or run it again."""
    firsts = recount_first_seen()
    with transaction.atomic():
        FirstSeen.objects.all().delete()
        FirstSeen.objects.bulk_create(
            [FirstSeen(neighbourhood_id=hood, pseudonym=name, first_date=first)
             for (hood, name), first in sorted(firsts.items())], batch_size=2000)
    return len(firsts)
