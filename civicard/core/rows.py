"""Hand-written SQL for the few rows read and written on every terminal decision.

Building an ORM query costs more than running it when a door waits for the answer. These
helpers keep the model as the single description of a table: `columns` names its columns,
`instance` turns a raw row into a model instance with the values converted as the ORM would,
`fetch` selects instances by a hand-written condition, and `insert` appends one instance with
its values prepared by the model's own fields; `insert_from` chains such inserts after another
write in one statement, where the database allows it (PostgreSQL). Neither sends signals: use
them only for append-only rows nobody listens to (decisions, ledger entries). Plain SQL with
RETURNING, on PostgreSQL and SQLite alike."""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


def _db():
    """This thread's connection itself: the `connection` proxy looks it up on every use."""
    return connections[DEFAULT_DB_ALIAS]


def columns(model, *names) -> list[str]:
    """Attribute names (all concrete fields when none are named), in the model's field order:
    the order `Model.from_db` expects."""
    wanted = {model._meta.get_field(name).attname for name in names}
    return [f.attname for f in model._meta.concrete_fields if not names or f.attname in wanted]


def select_list(alias: str, model, names: list[str]) -> str:
    quote = _db().ops.quote_name
    return ", ".join(f"{alias}.{quote(model._meta.get_field(name).column)}" for name in names)


@cache
def _converters(model, names: tuple, vendor: str) -> list[tuple[int, list, object]]:
    """What the ORM applies to each raw value (SQLite returns dates as text…)."""
    db, found = _db(), []
    for index, name in enumerate(names):
        column = model._meta.get_field(name).get_col(model._meta.db_table)
        converters = db.ops.get_db_converters(column) + column.field.get_db_converters(db)
        if converters:
            found.append((index, converters, column))
    return found


def instance(model, names: list[str], values):
    """A model instance from raw `values` of the columns `names` (see `columns`), as
    `Model.from_db` makes it. The values go straight into the instance's attributes, where
    `__init__` would put them one field at a time; columns not read stay deferred."""
    db = _db()
    values = list(values)
    for index, converters, column in _converters(model, tuple(names), db.vendor):
        for converter in converters:
            values[index] = converter(values[index], column, db)
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model.from_db(db.alias, names, values)
    new = model.__new__(model)
    new._state = ModelState()
    new._state.adding, new._state.db = False, db.alias
    new.__dict__.update(zip(names, values, strict=True))
    return new


def fetch(model, condition: str, params) -> list:
    """Instances of `model` whose row meets the hand-written `condition` (and ORDER BY)."""
    names, db = columns(model), _db()
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {select_list('t', model, names)} "
                       f"FROM {db.ops.quote_name(model._meta.db_table)} t "
                       f"WHERE {condition}", params)
        return [instance(model, names, row) for row in cursor.fetchall()]


@cache
def _insert_sql(model, vendor: str) -> tuple[str, list]:
    """The INSERT's head (table and columns) and the fields it sets: all but the primary key."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = _db().ops.quote_name
    return (f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)})"), fields


def _prepared(instance, fields, db) -> list:
    return [field.get_db_prep_save(getattr(instance, field.attname), db) for field in fields]


def insert(instance):
    """Insert a new instance (all its concrete fields but the primary key); returns it saved."""
    db = _db()
    head, fields = _insert_sql(type(instance), db.vendor)
    with db.cursor() as cursor:
        cursor.execute(f"{head} VALUES ({', '.join(['%s'] * len(fields))}) "
                       f"RETURNING {db.ops.quote_name(type(instance)._meta.pk.column)}",
                       _prepared(instance, fields, db))
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = db.alias
    return instance


def insert_from(instance, source: str, **taken) -> tuple[str, list]:
    """An INSERT … SELECT of `instance`, once per row of `source` (a WITH query of the same
    statement): the fields named in `taken` get SQL expressions over it (entry="entry.id"),
    the others parameters. For writes chained in one statement (PostgreSQL)."""
    db = _db()
    head, fields = _insert_sql(type(instance), db.vendor)
    values = [taken.get(f.name, "%s") for f in fields]
    params = _prepared(instance, [f for f in fields if f.name not in taken], db)
    return f"{head} SELECT {', '.join(values)} FROM {source}", params
