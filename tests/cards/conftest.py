import pytest


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
