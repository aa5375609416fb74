"""Which tables carry the territory key, derived from the models (docs/scaling.md, "Several
territories on a distributed PostgreSQL"): for every table, the shortest chain of foreign keys
that leads to `territory.Territory`. A table whose chain is one step (`territory_id`) can be
distributed by territory as it is; a longer chain means a `territory_id` column to add (filled
from the chain); no chain means a table that is either shared by every territory (a reference
table, or the accounts of people who may live in several) or that needs the key from its
writer. `civicard territory-keys` prints the list."""

from collections import deque
from dataclasses import dataclass

from django.apps import apps
from django.db import models

TERRITORY = ("territory", "territory")


@dataclass(frozen=True)
class TableKey:
    table: str
    model: str  # app_label.ModelName
    path: tuple[str, ...]  # field names from this table to the territory; () for none
    nullable: bool  # some step of the path may be empty

    @property
    def kind(self) -> str:
        if (self.model.split(".")[0], self.model.split(".")[1].lower()) == TERRITORY:
            return "the territory"
        if not self.path:
            return "none"
        return "direct" if len(self.path) == 1 else "via"


def _forward_keys(model) -> list[models.ForeignKey]:
    return [field for field in model._meta.concrete_fields
            if isinstance(field, models.ForeignKey)]


def _path(model) -> tuple[tuple[str, ...], bool]:
    """The shortest chain of foreign keys from `model` to the territory (breadth first;
    among equally short chains, the one that is never null)."""
    start = (model._meta.app_label, model._meta.model_name)
    if start == TERRITORY:
        return (), False
    queue, seen, found = deque([(model, (), False)]), {start}, []
    while queue:
        current, path, nullable = queue.popleft()
        if found and len(path) >= len(found[0][0]):
            break
        for field in _forward_keys(current):
            target = field.related_model
            key = (target._meta.app_label, target._meta.model_name)
            step = (*path, field.name)
            if key == TERRITORY:
                found.append((step, nullable or field.null))
            elif key not in seen:
                seen.add(key)
                queue.append((target, step, nullable or field.null))
    if not found:
        return (), False
    return min(found, key=lambda item: (len(item[0]), item[1]))


def table_keys() -> list[TableKey]:
    keys = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        path, nullable = _path(model)
        keys.append(TableKey(table=model._meta.db_table, model=model._meta.label,
                             path=path, nullable=nullable))
    return sorted(keys, key=lambda key: key.table)


def markdown(keys: list[TableKey]) -> str:
    order = {"the territory": 0, "direct": 1, "via": 2, "none": 3}
    lines = ["| table | territory key | path to the territory |", "|---|---|---|"]
    for key in sorted(keys, key=lambda key: (order[key.kind], key.table)):
        path = ".".join(key.path) + (" (may be empty)" if key.nullable else "")
        lines.append(f"| `{key.table}` | {key.kind} | {f'`{path}`' if key.path else '—'} |")
    counts = {kind: sum(key.kind == kind for key in keys) for kind in order}
    lines.append("")
    lines.append(f"{len(keys)} tables: {counts['direct']} carry `territory_id`, "
                 f"{counts['via']} reach it through other tables, {counts['none']} do not "
                 "reach it at all.")
    return "\n".join(lines)
