"""`civicard seed-scale`: a territory of N residents (decision 0021).

The demo loaders build the fixed, small parts once (territory, services, facilities,
programmes, places, staff, the demo people and their logins). Then the residents come in
chunks of households: each domain app may have a `scale.py` with `build(chunk)`, run in the
order of DOMAIN_APPS, which adds its rows for the chunk's households to `chunk.writer`
(core/bulk.py); the chunk is written in one transaction. A chunk's rows are drawn from a
generator seeded by its number, so a second run finds which chunks are written (an app's
`is_built(chunk)`, the cards' numbers) and writes only the others: it resumes, never doubles.
"""

import importlib
import random
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction

from civicard.core import clock
from civicard.core.bulk import Writer
from civicard.core.demo import load_demo

PEOPLE_PER_HOUSEHOLD = 2.66  # the demo's mix of household sizes
DEMO_HOUSEHOLDS = 200  # the demo loaders' own residents, with every capability's variety
CHUNK_HOUSEHOLDS = 4000  # about 10,600 residents per chunk and transaction
# The seeds' rates: 3,000 door uses a week for 39,000 residents (Parthenay-Gâtine).
DOOR_USES_PER_RESIDENT_PER_WEEK = 3000 / 39000


@dataclass
class Run:
    """What every chunk shares: the fixed parts looked up once, by the app that needs them."""
    now: datetime
    cache: dict = field(default_factory=dict)

    def once(self, key: str, load):
        if key not in self.cache:
            self.cache[key] = load()
        return self.cache[key]


@dataclass
class Chunk:
    run: Run
    index: int
    households: int
    writer: Writer
    rng: random.Random
    made: dict = field(default_factory=dict)  # rows one app leaves for the next (ids, tuples)

    @property
    def now(self) -> datetime:
        return self.run.now


def scale_modules() -> list:
    modules = []
    for app in settings.DOMAIN_APPS:
        try:
            modules.append(importlib.import_module(f"{app}.scale"))
        except ModuleNotFoundError as error:
            if error.name != f"{app}.scale":
                raise
    return modules


def plan(residents: int, per_chunk: int = CHUNK_HOUSEHOLDS) -> list[int]:
    """Households per chunk, after the demo's own."""
    wanted = max(0, round(residents / PEOPLE_PER_HOUSEHOLD) - DEMO_HOUSEHOLDS)
    full, rest = divmod(wanted, per_chunk)
    return [per_chunk] * full + ([rest] if rest else [])


def seed_scale(*, residents: int, per_chunk: int = CHUNK_HOUSEHOLDS, progress=None,
               report=None) -> dict[str, int]:
    """Build (or finish building) the territory; returns the rows written, by model.
    `progress(done, total, seconds)` is called after each chunk, `report(text)` for news."""
    say = report or (lambda text: None)
    modules = scale_modules()
    sizes = plan(residents, per_chunk)
    now = clock.now()
    run = Run(now=now)

    def chunk(index: int, writer=None) -> Chunk:
        return Chunk(run=run, index=index, households=sizes[index], writer=writer or Writer(now),
                     rng=random.Random(f"civicard-scale-{index}"))

    def built(index: int) -> bool:
        return any(m.is_built(chunk(index)) for m in modules if hasattr(m, "is_built"))

    if sizes and built(0):
        say("The demo's part is already loaded.")
    else:
        started = time.perf_counter()
        load_demo(households=DEMO_HOUSEHOLDS)
        say(f"Demo loaders (territory, services, places, staff, {DEMO_HOUSEHOLDS} households): "
            f"{time.perf_counter() - started:.0f} s")
    todo = [index for index in range(len(sizes)) if not built(index)]
    if sizes and not todo:
        say(f"Nothing to do: the {len(sizes)} chunks for {residents:,} residents are written.")
    elif len(todo) < len(sizes):
        say(f"Resuming: {len(sizes) - len(todo)} of {len(sizes)} chunks already written.")
    counts: dict[str, int] = {}
    started = time.perf_counter()
    for done, index in enumerate(todo, start=1):
        this = chunk(index)
        with transaction.atomic():
            for module in modules:
                if hasattr(module, "build"):
                    module.build(this)
            for label, n in this.writer.write().items():
                counts[label] = counts.get(label, 0) + n
        if progress:
            progress(done, len(todo), time.perf_counter() - started)
    return counts
