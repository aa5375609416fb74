"""A credit note's reason as the rule's code and parameters, written out in the reader's language
(the manager's words stay as typed), and a credit note on a month charged to the wallet (on its
statement, not an invoice). The rule's reasons stored as English sentences get their codes."""

import re

import django.db.models.deletion
from django.db import migrations, models

from civicard.core.append_only import append_only_trigger, changes_allowed

TABLE = "childhood_creditnote"
ABSENCE = re.compile(r"^absence (\d+): (\w+) (\d{4}-\d\d-\d\d)/(\d{4}-\d\d-\d\d)$")
TERM = re.compile(r"^term \d+: enrolment \d+ cancelled before the first session "
                  r"\((\d{4}-\d\d-\d\d)\)$")


def code_the_rules_reasons(apps, schema_editor):
    CreditNote = apps.get_model("childhood", "CreditNote")  # the linter reads this name
    with changes_allowed(schema_editor, TABLE):
        for note in CreditNote.objects.filter(reason_code="").iterator():
            if found := ABSENCE.match(note.reason):
                code, params = "absence", {"absence": int(found.group(1)),
                                           **dict(zip(("reason", "first", "last"),
                                                      found.groups()[1:], strict=True))}
            elif found := TERM.match(note.reason):
                code, params = "term_withdrawn", {"day": found.group(1)}
            else:
                continue
            CreditNote.objects.filter(pk=note.pk).update(reason="", reason_code=code,
                                                         reason_params=params)


class Migration(migrations.Migration):

    dependencies = [
        ("childhood", "0007_term_invoices"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditnote",
            name="reason_code",
            field=models.CharField(blank=True, db_default="", default="", max_length=24),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="reason_params",
            field=models.JSONField(blank=True, db_default=models.Value(
                {}, output_field=models.JSONField()), default=dict),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="statement",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="credit_notes", to="childhood.statement"),
        ),
        migrations.AlterField(
            model_name="creditnote",
            name="invoice",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="credit_notes", to="childhood.invoice"),
        ),
        migrations.AlterField(
            model_name="creditnote",
            name="reason",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddConstraint(
            model_name="creditnote",
            constraint=models.CheckConstraint(
                condition=models.Q(("invoice__isnull", True), ("statement__isnull", True),
                                   _connector="XOR"),
                name="credit_note_invoice_or_statement"),
        ),
        append_only_trigger(TABLE),  # SQLite rebuilt the table without it
        migrations.RunPython(code_the_rules_reasons, migrations.RunPython.noop),
    ]
