import re

from django.conf import settings
from django.db import migrations, models
from django.utils import translation

from civicard.core.append_only import append_only_trigger, changes_allowed

TABLE = "wallets_ledgerentry"


def code_the_platforms_lines(apps, schema_editor):
    """Lines written before labels had codes were stored as sentences in the language of the
    moment: those the platform wrote get their code and parameters back."""
    entry_model = apps.get_model("wallets", "LedgerEntry")
    checkpoints = {f"{facility} — {name}": {"facility": facility, "checkpoint": name}
                   for facility, name in apps.get_model("access", "Checkpoint").objects
                   .values_list("facility__name", "name")}
    top_ups = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            top_ups.add(translation.gettext("Top-up at the counter"))
    payments = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            text = translation.gettext("Online payment %(reference)s")
        payments.append(re.compile(
            "^" + re.escape(text).replace(re.escape("%(reference)s"), r"(\S+)") + "$"))
    with changes_allowed(schema_editor, TABLE):
        for entry in entry_model.objects.filter(reason_code="").exclude(reason="").iterator():
            code, params = "", {}
            if entry.reason in top_ups:
                code = "counter_top_up"
            elif entry.reason in checkpoints:
                code, params = "entry", checkpoints[entry.reason]
            else:
                for pattern in payments:
                    if found := pattern.match(entry.reason):
                        code, params = "online_payment", {"reference": found.group(1)}
                        break
            if code:
                entry_model.objects.filter(pk=entry.pk).update(reason="", reason_code=code,
                                                               reason_params=params)


class Migration(migrations.Migration):

    dependencies = [
        ("wallets", "0002_ledger_indexes"),
        ("access", "0002_decision_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="reason_code",
            field=models.CharField(blank=True, default="", max_length=24),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="why"),
        ),
        append_only_trigger(TABLE),  # SQLite rebuilt the table without it
        migrations.RunPython(code_the_platforms_lines, migrations.RunPython.noop),
    ]
