"""Lookups whose SQL differs by database, kept here so that domain code stays one ORM filter."""

from django.db import NotSupportedError
from django.db.models import CharField, Lookup, TextField
from django.db.models.lookups import Contains


@CharField.register_lookup
class Resembles(Lookup):
    """`field__resembles=text`: the field holds `text` or, on PostgreSQL, words within a typo of
    it (pg_trgm's word similarity, which a trigram index on the field serves)."""

    lookup_name = "resembles"

    def as_sql(self, compiler, connection):
        return Contains(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} %%> {rhs}", [*lhs_params, *rhs_params]


class FullTextColumn(TextField):
    """The column of an SQLite FTS5 table (a full-text index kept by triggers, created in a
    migration, read through an unmanaged model): filtered with `match` only."""


@FullTextColumn.register_lookup
class Match(Lookup):
    """`column__match=query`: FTS5's MATCH, the query in FTS5's syntax (quote each word). SQLite
    only: PostgreSQL's full-text search is `django.contrib.postgres.search`."""

    lookup_name = "match"

    def as_sql(self, compiler, connection):
        raise NotSupportedError("FTS5's MATCH exists on SQLite only.")

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]
