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

from django.db import connection


def columns(model, *names) -> list[str]:
    """Attribute names (all concrete fields when none are named), in the model's field order:
    the order `Model.from_db` expects."""
    wanted = {model._meta.get_field(name).attname for name in names}
    return [f.attname for f in model._meta.concrete_fields if not names or f.attname in wanted]


def select_list(alias: str, model, names: list[str]) -> str:
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(model._meta.get_field(name).column)}" for name in names)


@cache
def _converters(model, names: tuple, vendor: str) -> list[tuple[int, list, object]]:
    """What the ORM applies to each raw value (SQLite returns dates as text…)."""
    found = []
    for index, name in enumerate(names):
        column = model._meta.get_field(name).get_col(model._meta.db_table)
        converters = (connection.ops.get_db_converters(column)
                      + column.field.get_db_converters(connection))
        if converters:
            found.append((index, converters, column))
    return found


def instance(model, names: list[str], values):
    """A model instance from raw `values` of the columns `names` (see `columns`)."""
    values = list(values)
    for index, converters, column in _converters(model, tuple(names), connection.vendor):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    return model.from_db(connection.alias, names, values)


def fetch(model, condition: str, params) -> list:
    """Instances of `model` whose row meets the hand-written `condition` (and ORDER BY)."""
    names = columns(model)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select_list('t', model, names)} "
                       f"FROM {connection.ops.quote_name(model._meta.db_table)} t "
                       f"WHERE {condition}", params)
        return [instance(model, names, row) for row in cursor.fetchall()]


@cache
def _insert_sql(model, vendor: str) -> tuple[str, list]:
    """The INSERT's head (table and columns) and the fields it sets: all but the primary key."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    return (f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)})"), fields


def _prepared(instance, field):
    return field.get_db_prep_save(getattr(instance, field.attname), connection)


def insert(instance):
    """Insert a new instance (all its concrete fields but the primary key); returns it saved."""
    head, fields = _insert_sql(type(instance), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(f"{head} VALUES ({', '.join(['%s'] * len(fields))}) "
                       f"RETURNING {connection.ops.quote_name(type(instance)._meta.pk.column)}",
                       [_prepared(instance, f) for f in fields])
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def insert_from(instance, source: str, **taken) -> tuple[str, list]:
    """An INSERT … SELECT of `instance`, once per row of `source` (a WITH query of the same
    statement): the fields named in `taken` get SQL expressions over it (entry="entry.id"),
    the others parameters. For writes chained in one statement (PostgreSQL)."""
    head, fields = _insert_sql(type(instance), connection.vendor)
    values = [taken.get(f.name, "%s") for f in fields]
    params = [_prepared(instance, f) for f in fields if f.name not in taken]
    return f"{head} SELECT {', '.join(values)} FROM {source}", params
