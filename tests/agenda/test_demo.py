import random

from civicard.agenda import demo
from civicard.agenda.models import Event, EventText, Occurrence, Publisher
from civicard.core.demo import DemoContext

from .conftest import AT


def test_the_demo_agenda_loads_once(territory, now):
    ctx = DemoContext(now=AT, rng=random.Random(1), territory=territory)
    demo.load(ctx)
    by_publisher = {p.slug: p.events.count() for p in Publisher.objects.all()}
    assert by_publisher == {"town": 30, "theatre": 5, "mediatheque": 15}
    assert list(Event.objects.filter(status="cancelled").values_list("publisher__slug",
                                                                    flat=True)) == ["town"]
    languages = EventText.objects.filter(title="Fête des voisins du monde").get().event.texts
    assert sorted(languages.values_list("language", flat=True)) == ["ar", "en", "fr", "pt", "uk"]
    # the theatre's weekly show runs every Friday and Saturday up to the horizon
    misanthrope = Event.objects.get(uid="misanthrope-2026@theatre-municipal")
    assert misanthrope.occurrences.count() == 104
    occurrences = Occurrence.objects.count()
    demo.load(ctx)
    assert (Event.objects.count(), Occurrence.objects.count()) == (50, occurrences)
