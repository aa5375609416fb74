import pytest

from civicard.core.errors import PermissionRefused
from civicard.core.permissions import Role, check_role_over, role_communes
from civicard.territory.models import Commune

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("scope", "role", "expected"), [
    ("north", Role.SERVICE_MANAGER, {"Nordville"}),
    (None, Role.SERVICE_MANAGER, None),
    ("north", Role.ADMINISTRATOR, None),
    ("north", Role.COUNTER_AGENT, set()),
])
def test_role_communes(make_login, territory, scope, role, expected):
    commune = Commune.objects.get(name="Nordville") if scope else None
    user = make_login("someone@example.org", role=role, commune=commune)
    communes = role_communes(user, Role.SERVICE_MANAGER)
    assert communes == (expected if expected is None else
                        set(Commune.objects.filter(name__in=expected).values_list("pk",
                                                                                  flat=True)))


@pytest.mark.parametrize(("scope", "target", "allowed"), [
    ("Nordville", "Nordville", True), ("Nordville", "Sudville", False),
    ("Nordville", None, False), (None, None, True), (None, "Sudville", True)])
def test_check_role_over_keeps_territory_objects_for_territory_wide_roles(
        make_login, territory, scope, target, allowed):
    user = make_login("manager@example.org", role=Role.SERVICE_MANAGER,
                      commune=Commune.objects.filter(name=scope).first() if scope else None)
    commune_id = Commune.objects.get(name=target).pk if target else None
    if allowed:
        check_role_over(user, Role.SERVICE_MANAGER, commune_id=commune_id)
    else:
        with pytest.raises(PermissionRefused):
            check_role_over(user, Role.SERVICE_MANAGER, commune_id=commune_id)
