"""Hand-written SQL for the few rows written on every terminal decision.

`insert` appends one model instance without building an ORM query: the values are prepared
by the model's own fields, so what lands in the database is what `save()` would have
written. It sends no signals: use it only for append-only rows nobody listens to (decisions,
ledger entries). The SQL is plain INSERT … RETURNING, on PostgreSQL and SQLite alike."""

from functools import cache

from django.db import connection


@cache
def _insert_sql(model, vendor: str) -> tuple[str, list]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    pk = model._meta.pk.column
    sql = (f"INSERT INTO {quote(model._meta.db_table)} "
           f"({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(pk)}")
    return sql, fields


def insert(instance):
    """Insert a new instance (all its concrete fields but the primary key); returns it saved."""
    sql, fields = _insert_sql(type(instance), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [f.get_db_prep_save(getattr(instance, f.attname), connection)
                             for f in fields])
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
