"""Every page and endpoint of the foundation × every role (and anonymous): allowed or refused,
and a refused call changes nothing."""

import pytest

from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.people.models import AssistedSession, Household, Membership, Person

ROLES = ["anonymous", "resident", "other_resident", *[r.value for r in Role]]
STAFF_WITH_COUNTER = {Role.COUNTER_AGENT.value, Role.ADMINISTRATOR.value}
COUNTER_READERS = STAFF_WITH_COUNTER | {Role.SERVICE_MANAGER.value}


@pytest.fixture
def world(make_login, make_household, neighbourhood, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    users = {"resident": make_login("owner@example.org"),
             "other_resident": make_login("other@example.org")}
    for role in Role:
        users[role.value] = make_login(f"{role.value}@example.org", role=role)
    household = make_household(users["resident"].person, neighbourhood=neighbourhood)
    make_household(users["other_resident"].person, neighbourhood=neighbourhood)
    return users, household


def snapshot():
    return (Person.objects.count(), Household.objects.count(), Membership.objects.count(),
            AssistedSession.objects.count(),
            AuditLogEntry.objects.exclude(action="household.income_bracket_read").count())


# (method, path template, who may, extra data)
CASES = [
    ("get", "/me/household/", {"resident", "other_resident", *ROLES[3:]}, None),
    ("get", "/me/household/{household}/add-child/", {"resident"}, None),
    ("post", "/me/household/{household}/add-child/", {"resident"},
     {"full_name": "Léo", "birth_date": "2018-04-01", "language": "fr"}),
    ("post", "/me/household/{household}/invite/", {"resident"}, {"email": "p@example.org"}),
    ("get", "/me/profile/", set(ROLES[1:]), None),
    ("get", "/me/export.json", set(ROLES[1:]), None),
    ("get", "/counter/?q=Owner", COUNTER_READERS, None),
    ("get", "/counter/households/{household}/", COUNTER_READERS, None),
    ("get", "/counter/households/new/", STAFF_WITH_COUNTER, None),
    ("post", "/counter/households/new/", STAFF_WITH_COUNTER,
     {"full_name": "Odette Texier", "language": "fr", "street": "1 rue", "postal_code": "79000",
      "neighbourhood": "{neighbourhood}"}),
    ("post", "/counter/assist/{guardian}/", STAFF_WITH_COUNTER, {}),
    ("get", "/api/people/me", set(ROLES[1:]), None),
    ("get", "/admin/", {Role.ADMINISTRATOR.value}, None),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,template,allowed,data", CASES,
                         ids=[f"{c[0]} {c[1]}" for c in CASES])
def test_permission_matrix(client, world, neighbourhood, role, method, template, allowed, data):
    users, household = world
    if role != "anonymous":
        client.force_login(users[role])
    values = {"household": household.pk, "neighbourhood": neighbourhood.pk,
              "guardian": users["resident"].person.pk}
    path = template.format(**values)
    payload = {k: str(v).format(**values) for k, v in (data or {}).items()}
    before = snapshot()
    response = getattr(client, method)(path, payload) if method == "post" else client.get(path)
    if role in allowed:
        assert response.status_code in (200, 302), (role, path, response.status_code)
        if response.status_code == 302:
            assert "login/" not in response["Location"]
    else:
        if path == "/admin/":
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/")
        elif role == "anonymous" and not path.startswith("/api/"):
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")
        else:
            assert response.status_code in (403, 404), (role, path, response.status_code)
        assert snapshot() == before
