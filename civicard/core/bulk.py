"""Many rows at once, for `civicard seed-scale` only (decision 0021): PostgreSQL's `COPY`
through psycopg 3, `bulk_create` in big batches elsewhere.

This is the one exception to "Plain first" outside a proven read: a million residents are
tens of millions of rows, which the ORM's INSERTs cannot write in the minutes the issue asks
for. The SQL is generated from each model's `_meta` (table, columns), never written by hand per
table, and nothing in the domain code calls this module.

A `Writer` hands out primary keys itself (so rows can refer to each other before they are
written), collects rows per model as tuples of the columns the caller names, fills the other
columns with the fields' defaults, writes every table in the order it was first used (parents
first), then moves the tables' id sequences past the ids it used.
"""

import json
import time
from datetime import datetime

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

BATCH = 5000  # rows per bulk_create where COPY is not available


class Table:
    def __init__(self, writer: "Writer", model: type[models.Model], columns: list[str]):
        self.writer, self.model, self.rows = writer, model, []
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in columns if name not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {unknown}")
        self.columns = list(columns)
        self.fills: dict[str, object] = {}  # the columns the caller leaves to their defaults
        for name, f in fields.items():
            if name in columns or f.primary_key:  # a key left out: the database numbers it
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.fills[name] = writer.now
            elif f.has_default():
                self.fills[name] = f.get_default()
            elif f.null:
                self.fills[name] = None
            elif f.blank and isinstance(f, models.CharField | models.TextField):
                self.fills[name] = ""
            elif f.has_db_default():
                continue  # the database fills it
            else:
                raise ValueError(f"{model.__name__}.{name} needs a value")
        self.json = {i for i, name in enumerate([*self.columns, *self.fills])
                     if isinstance(fields[name], models.JSONField)}

    def add(self, *values) -> None:
        self.rows.append(values)

    def next_id(self) -> int:
        return self.writer.next_id(self.model)

    def _tuples(self):
        fill = tuple(self.fills.values())
        if not self.json:
            return (row + fill for row in self.rows)
        dump = self.json
        return (tuple(json.dumps(v) if i in dump and v is not None else v
                      for i, v in enumerate(row + fill)) for row in self.rows)

    def write(self) -> int:
        if not self.rows:
            return 0
        meta = self.model._meta
        names = [*self.columns, *self.fills]
        if connection.vendor == "postgresql":
            quote = connection.ops.quote_name
            column_of = {f.attname: f.column for f in meta.concrete_fields}
            columns = ", ".join(quote(column_of[name]) for name in names)
            sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in self._tuples():
                    copy.write_row(row)
        else:
            fill = tuple(self.fills.values())
            self.model.objects.bulk_create(
                (self.model(**dict(zip(names, row + fill, strict=True))) for row in self.rows),
                batch_size=BATCH)
        written, self.rows = len(self.rows), []
        return written


class Writer:
    def __init__(self, now: datetime, ids: dict | None = None):
        """`ids`: the last key handed out by model, shared by the writers of one run (the
        first key of a model is looked up in the database, once)."""
        self.now = now
        self.tables: dict[type[models.Model], Table] = {}
        self.ids: dict[type[models.Model], int] = {} if ids is None else ids
        self.seconds: dict[str, float] = {}  # writing time by model, for the profile

    def table(self, model: type[models.Model], columns: str) -> Table:
        """The rows of one model, given as tuples in the order of `columns` (attnames)."""
        if model not in self.tables:
            self.tables[model] = Table(self, model, columns.split())
        table = self.tables[model]
        if table.columns != columns.split():
            raise ValueError(f"{model.__name__}: one column list per model")
        return table

    def next_id(self, model: type[models.Model]) -> int:
        known(self.ids, model)
        self.ids[model] += 1
        return self.ids[model]

    def write(self) -> dict[str, int]:
        """Write every table, parents first; then the sequences follow the ids used."""
        counts = {}
        for model, table in self.tables.items():
            started = time.perf_counter()
            counts[model._meta.label] = table.write()
            self.seconds[model._meta.label] = time.perf_counter() - started
        used = [model for model in self.tables if model in self.ids]
        statements = connection.ops.sequence_reset_sql(no_style(), used)
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        return counts


def known(ids: dict, *models: type[models.Model]) -> None:
    """Look up the last key of each model not yet in `ids` (a writer's first row does, or a
    scale module's fixed lookups: a chunk drawn while the previous one is written must not
    read a table SQLite has locked)."""
    for model in models:
        if model not in ids:
            ids[model] = model.objects.aggregate(top=Max("pk"))["top"] or 0


def loading() -> None:
    """Inside the transaction of a load, on PostgreSQL: its commit does not wait for the disk
    (a crash loses the chunk, which the next run writes again), and, when the role may, the
    foreign keys' triggers do not run (as `pg_restore --disable-triggers`): the rows are drawn
    consistent, which the tests prove on SQLite, where they are checked. Check and unique
    constraints hold either way."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def analyse() -> None:
    """After a load, on PostgreSQL: the planner's statistics of every table (without them a
    million-row table is planned as if it were empty, and pages that use an index scan it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
