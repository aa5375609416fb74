"""The whole API fuzzed from its OpenAPI document (schemathesis) on PostgreSQL: every operation,
with a terminal's token and a resident's session, never answers a server error and always
answers in its documented shape."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from civicard.access.models import Checkpoint, Facility
from civicard.access.terminals import register_terminal
from civicard.core import clock
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
CSRF = "schemathesisCsrfSecret0123456789"  # 32 characters: a CSRF secret as Django keeps it


@pytest.fixture
def credentials(postgres_only, territory, make_login, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    resident = make_login("fuzz@example.org")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=resident.person, is_guardian=True)
    manager = make_login("fuzz-manager@example.org", role=Role.SERVICE_MANAGER)
    facility = Facility.objects.create(territory=territory, name="Gym", kind="sports")
    checkpoint = Checkpoint.objects.create(facility=facility, name="Door", kind="door",
                                           opening_hours="24/7")
    _terminal, token = register_terminal(checkpoint=checkpoint, name="Fuzz", actor=manager,
                                         at=clock.now())
    client = Client()
    client.force_login(resident)
    return {"token": token, "session": client.cookies["sessionid"].value}


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_operation_fails_or_breaks_its_schema(case, credentials):
    if case.path.startswith(("/api/terminals/", "/api/childhood/roll-call/")):
        headers = {"Authorization": f"Bearer {credentials['token']}"}
    else:
        headers = {"X-CSRFToken": CSRF}
    case.call_and_validate(
        headers=headers, cookies={"sessionid": credentials["session"], "csrftoken": CSRF},
        checks=[not_a_server_error, response_schema_conformance])
