"""An invoice for a term of lessons: an invoice points to a closed month or to a term, and a
payment's allocation may take a term. The allocations' index on the term is built without
locking the table."""

import django.db.models.deletion
from django.db import migrations, models

from civicard.core.schema import create_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('childhood', '0006_contract_credits'),
        ('people', '0002_person_search_name'),
        ('territory', '0004_address_street_trigram_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='invoice',
            name='term',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invoice', to='childhood.termcharge'),
        ),
        migrations.AddField(
            model_name='paymentallocation',
            name='term',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='childhood.termcharge'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(
                model_name='paymentallocation',
                index=models.Index(fields=['term'], name='childhood_allocation_term'))],
            database_operations=[create_index('childhood_allocation_term',
                                              'childhood_paymentallocation', '(term_id)')],
        ),
        migrations.AlterField(
            model_name='invoice',
            name='statement',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invoice', to='childhood.statement'),
        ),
        migrations.AddConstraint(
            model_name='invoice',
            constraint=models.CheckConstraint(condition=models.Q(('statement__isnull', True), ('term__isnull', True), _connector='XOR'), name='invoice_statement_or_term'),
        ),
    ]
