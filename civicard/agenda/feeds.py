"""The worker's task that reads the publishers' .ics feeds (scheduled hourly by
`civicard agenda-tick --feeds`). Apart from tasks.py, which operations enqueue, so that the two
do not import each other."""

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
