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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction

from civicard.core import bulk, clock
from civicard.core.bulk import Writer
from civicard.core.demo import load_demo
from civicard.core.tallies import rebuild_all

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
    ids: dict = field(default_factory=dict)  # the last primary key handed out, by model

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


def own_rng(chunk: Chunk, app: str) -> random.Random:
    """A generator of the chunk's own for one app, seeded by the chunk's number and the app's
    name: an app that draws from it leaves the other apps' draws (`chunk.rng`) as they were."""
    return random.Random(f"civicard-scale-{chunk.index}-{app}")


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
    """Households per chunk, after the demo's own: whole chunks (the residents asked for,
    rounded up), so that a chunk is the same whatever N a later run asks for."""
    wanted = max(0, round(residents / PEOPLE_PER_HOUSEHOLD) - DEMO_HOUSEHOLDS)
    return [per_chunk] * -(-wanted // per_chunk)


def seed_scale(*, residents: int, per_chunk: int = CHUNK_HOUSEHOLDS, progress=None,
               report=None) -> dict[str, tuple[int, float]]:
    """Build (or finish building) the territory; returns the rows written and the seconds
    spent writing them, by model ("generating": the seconds spent drawing the rows).
    `progress(done, total, seconds)` is called after each chunk, `report(text)` for news."""
    say = report or (lambda text: None)
    modules = scale_modules()
    sizes = plan(residents, per_chunk)
    now = clock.now()
    run = Run(now=now)

    def chunk(index: int) -> Chunk:
        return Chunk(run=run, index=index, households=sizes[index], writer=Writer(now, run.ids),
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
    counts: dict[str, tuple[int, float]] = {}

    def draw(index: int) -> tuple[Chunk, float]:
        this, drawing = chunk(index), time.perf_counter()
        for module in modules:
            if hasattr(module, "build"):
                module.build(this)
        return this, time.perf_counter() - drawing

    started = time.perf_counter()
    # The next chunk is drawn (Python) while the database takes this one (mostly waiting on
    # PostgreSQL, which releases the GIL): the first one here, the fixed parts' lookups with it.
    with ThreadPoolExecutor(max_workers=1) as drawer:
        following = None
        for done, index in enumerate(todo, start=1):
            this, seconds = following.result() if following else draw(index)
            if done < len(todo):
                following = drawer.submit(draw, todo[done])
            rows, spent = counts.get("generating", (0, 0.0))
            counts["generating"] = (rows, spent + seconds)
            with transaction.atomic():
                bulk.loading()
                for label, n in this.writer.write().items():
                    rows, spent = counts.get(label, (0, 0.0))
                    counts[label] = (rows + n, spent + this.writer.seconds[label])
            if progress:
                progress(done, len(todo), time.perf_counter() - started)
    if todo:  # the chunks' door decisions, redemptions… were written in bulk: recount
        started = time.perf_counter()
        rebuild_all(progress=say)
        counts["summaries"] = (0, time.perf_counter() - started)
        started = time.perf_counter()
        bulk.analyse()
        counts["statistics"] = (0, time.perf_counter() - started)
    return counts
