"""The worker's tasks that call operations: reading the publishers' .ics feeds (scheduled hourly
by `civicard agenda-tick --feeds`) and rolling repetition rules forward (daily). Apart from
tasks.py, which operations enqueue, so that the two do not import each other."""

from django_tasks import task

from civicard.agenda import operations
from civicard.agenda.models import Publisher
from civicard.core import clock


@task()
def read_feeds() -> int:
    """Read every publisher's .ics feed."""
    publishers = list(Publisher.objects.exclude(feed_url=""))
    for publisher in publishers:
        operations.read_feed(publisher=publisher, at=clock.now())
    return len(publishers)


@task()
def extend_recurrences() -> int:
    """Expand the app's repetition rules as the horizon moves on."""
    return operations.extend_recurrences(at=clock.now())
