"""On PostgreSQL, two confirmed bookings of a resource cannot overlap in time: an exclusion
constraint over (resource, [start, end)) with btree_gist. SQLite cannot hold it; there the
booking operation's IMMEDIATE transaction and the unique slot start keep the rule."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.models import Func, Q


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


NO_OVERLAP = ExclusionConstraint(
    name="booking_no_overlap",
    expressions=[("resource", RangeOperators.EQUAL),
                 (TsTzRange("start", "end"), RangeOperators.OVERLAPS)],
    condition=Q(status="confirmed"),
)


class AddConstraintOnPostgresql(migrations.AddConstraint):
    """Adds the constraint to the PostgreSQL schema only; the models' state does not hold it."""

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = to_state.apps.get_model(app_label, self.model_name)
            schema_editor.add_constraint(model, self.constraint)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = from_state.apps.get_model(app_label, self.model_name)
            schema_editor.remove_constraint(model, self.constraint)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        AddConstraintOnPostgresql("booking", NO_OVERLAP),
    ]
