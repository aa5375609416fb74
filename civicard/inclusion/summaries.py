"""The goal dashboard's summaries (FirstSeen, PersonSeen), recounted from the accompaniments."""

from django.db import transaction

from civicard.inclusion.models import FirstSeen, PersonSeen
from civicard.inclusion.queries import recount_first_seen, recount_person_seen


def rebuild() -> int:
    """Replace every FirstSeen row by the first day of each person in each neighbourhood.
    Run it while no mediator logs (install, restore), or run it again."""
    firsts = recount_first_seen()
    with transaction.atomic():
        FirstSeen.objects.all().delete()
        FirstSeen.objects.bulk_create(
            [FirstSeen(neighbourhood_id=hood, pseudonym=name, first_date=first)
             for (hood, name), first in sorted(firsts.items())], batch_size=2000)
        visits = recount_person_seen()
        PersonSeen.objects.all().delete()
        PersonSeen.objects.bulk_create(
            [PersonSeen(pseudonym=name, visits=n) for name, n in sorted(visits.items())],
            batch_size=2000)
    return len(firsts) + len(visits)
