"""The demo territory: each domain app may have a `demo.py` with `load(ctx)`, run in the order of
DOMAIN_APPS. Every `load` must be idempotent: `civicard demo` can run any number of times."""

import importlib
import random
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction

from civicard.core import clock
from civicard.core.tallies import rebuild_all

DEMO_PASSWORD = "civicard-demo-2026"
DEMO_EMAIL_DOMAIN = "demo.civicard.test"


@dataclass
class DemoContext:
    now: datetime
    rng: random.Random
    territory: object = None
    logins: list[tuple[str, str]] = field(default_factory=list)  # (what it shows, e-mail)
    notes: list[str] = field(default_factory=list)  # where to look, printed after the logins
    url: str = "http://127.0.0.1:8000"  # where `make demo` serves it
    households: int | None = None  # residents' households wanted by `seed-scale`

    def rng_for(self, name: str) -> random.Random:
        """A generator of its own per app, so one app's data does not shift another's."""
        return random.Random(f"civicard-demo-{name}")


def load_demo(*, url: str = DemoContext.url,
              households: int | None = None, progress=None) -> DemoContext:
    """Run every app's demo loader; `progress` (if given) is told how long each took."""
    ctx = DemoContext(now=clock.now(), rng=random.Random(2026), url=url, households=households)
    for app in settings.DOMAIN_APPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{app}.demo":
                raise
            continue
        if hasattr(module, "load"):
            started = time.perf_counter()
            with transaction.atomic():
                module.load(ctx)
            if progress:
                progress(f"  {app.rsplit('.', 1)[-1]}: {time.perf_counter() - started:.1f} s")
    rebuild_all(progress=progress)  # the loaders write events in bulk: recount the dashboards
    return ctx
