"""`seed-scale`: the agenda's audience. A share of the chunk's adults follow two or three
topics (categories, the demo's publishers), so that an event's fan-out and the followers'
agenda meet a realistic audience. The events stay the demo's and the bench's; no alerts."""

from datetime import timedelta

from civicard.agenda.models import Category, Follow, Publisher
from civicard.agenda.operations import topic_of

FOLLOWERS = 0.12  # of the adults
# the categories people follow most first, as the demo's residents do
CATEGORY_WEIGHTS = {Category.CHILDREN: 5, Category.CULTURE: 4, Category.MUSIC: 3,
                    Category.SPORT: 3, Category.TOWN: 3, Category.CINEMA: 2,
                    Category.NATURE: 2, Category.READING: 2, Category.WORKSHOP: 1,
                    Category.SOLIDARITY: 1}


def _fixed(run):
    publishers = list(Publisher.objects.order_by("pk").values_list("pk", flat=True))
    topics = [topic_of("category", code) for code in CATEGORY_WEIGHTS]
    topics += [topic_of("publisher", pk) for pk in publishers]
    weights = [*CATEGORY_WEIGHTS.values(), *[2] * len(publishers)]
    return {"topics": topics, "weights": weights}


def build(chunk):
    fixed = chunk.run.once("agenda", lambda: _fixed(chunk.run))
    rng, now = chunk.rng, chunk.now
    follows = chunk.writer.table(Follow, "person_id topic created_at")
    topics, weights = fixed["topics"], fixed["weights"]
    for _household, _commune, _bracket, members in chunk.made["households"]:
        for person_id, adult, _age in members:
            if not adult or rng.random() >= FOLLOWERS:
                continue
            chosen = set(rng.choices(topics, weights, k=rng.randint(2, 3)))
            at = now - timedelta(days=rng.randint(1, 365), minutes=rng.randint(0, 1439))
            for topic in sorted(chosen):
                follows.add(person_id, topic, at)
