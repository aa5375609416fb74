from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from civicard.core import clock
from civicard.mutualaid import operations
from civicard.mutualaid.models import MutualAidSettings, VulnerabilityReport

from .conftest import AT

pytestmark = pytest.mark.django_db


def test_command_and_task_erase_after_the_territory_retention(people, territory):
    MutualAidSettings.objects.create(territory=territory, report_retention_days=30)
    report = operations.report_vulnerable_person(
        reporter=people["paul"].person, territory=territory, who="X", where="Y", why="Z",
        actor=people["paul"], at=AT)
    operations.record_outcome(report=report, outcome="refused", note="", close=True,
                              actor=people["social"], at=AT)
    out = StringIO()
    with clock.frozen(AT + timedelta(days=29)):
        call_command("erase_expired_reports", stdout=out)
    assert out.getvalue().strip() == "0 report(s) erased"
    assert VulnerabilityReport.objects.filter(pk=report.pk).exists()
    with clock.frozen(AT + timedelta(days=31)):
        call_command("erase_expired_reports", "--enqueue", stdout=out)  # immediate backend
    assert not VulnerabilityReport.objects.filter(pk=report.pk).exists()
