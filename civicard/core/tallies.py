"""Summary rows (counts per day and place) kept exact by the operations that write the events.

`bump` adds to a row's counters inside the caller's transaction: an UPDATE with F() takes the
row's lock, so concurrent bumps queue and none is lost; a missing row is created by an INSERT that
ignores a conflict (the unique key settles two first bumps), then updated. The usual case is one
UPDATE. A rebuild command recounts every summary from the events (docs/decisions/0023)."""

from django.db import models
from django.db.models import F


def bump(model: type[models.Model], keys: dict, **deltas: int) -> None:
    """Add `deltas` to the counters of the `model` row with these `keys` (created at zero)."""
    changes = {name: F(name) + delta for name, delta in deltas.items() if delta}
    if not changes:
        return
    if model.objects.filter(**keys).update(**changes):
        return
    model.objects.bulk_create([model(**keys)], ignore_conflicts=True)
    model.objects.filter(**keys).update(**changes)


def rebuild_all(progress=None) -> dict[str, int]:
    """Run each domain app's `summaries.rebuild()` (the apps that keep summaries have one):
    {app label: rows written}. `progress`, if given, is told each app's rows and time."""
    import importlib
    import time

    from django.conf import settings

    written = {}
    for app in settings.DOMAIN_APPS:
        try:
            module = importlib.import_module(f"{app}.summaries")
        except ModuleNotFoundError as error:
            if error.name != f"{app}.summaries":
                raise
            continue
        started = time.perf_counter()
        label = app.rsplit(".", 1)[-1]
        written[label] = module.rebuild()
        if progress:
            progress(f"  {label}: {written[label]} summary rows in "
                     f"{time.perf_counter() - started:.1f} s")
    return written
