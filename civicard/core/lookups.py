"""Lookups whose SQL differs by database, kept here so that domain code stays one ORM filter."""

from django.db.models import CharField, Lookup
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
