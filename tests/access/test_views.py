from datetime import timedelta

import pytest
from django.urls import reverse

from civicard.access import queries, terminals
from civicard.access.models import Decision, Quota, QuotaCounter, Terminal
from civicard.core import clock
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.people.models import Person

from .conftest import AT, enrol, fund, scan

pytestmark = pytest.mark.django_db

MANAGER_PAGES = ["access:manage", "access:register_terminal", "access:log", "access:log_rows",
                 "access:log_csv", "access:chart"]


@pytest.fixture
def setup(pool_service, make_checkpoint, make_terminal, holder):
    checkpoint = make_checkpoint(pool_service, charge_use="entry")
    terminal, token = make_terminal(checkpoint, name="Turnstile A")
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    scan(terminal)
    return terminal


def _login(client, user):
    client.force_login(user)


@pytest.mark.parametrize("role", [None, Role.COUNTER_AGENT, Role.SOCIAL_WORKER,
                                  Role.SERVICE_MANAGER, Role.ADMINISTRATOR, "anonymous"])
@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_manager_pages_permission_matrix(client, make_login, setup, role, name, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    if role != "anonymous":
        _login(client, make_login(f"{role or 'resident'}@example.org", role=role))
    response = client.get(reverse(name))
    if role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif role in (Role.SERVICE_MANAGER, Role.ADMINISTRATOR):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", [None, Role.COUNTER_AGENT, "anonymous"])
def test_refused_register_and_revoke_change_nothing(client, make_login, setup, role, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    if role != "anonymous":
        _login(client, make_login("someone@example.org", role=role))
    client.post(reverse("access:register_terminal"),
                {"checkpoint": setup.checkpoint_id, "name": "Evil", "language": "fr"})
    client.post(reverse("access:revoke_terminal", args=[setup.pk]))
    assert Terminal.objects.count() == 1
    assert Terminal.objects.get().revoked_at is None


def test_manager_registers_then_revokes_a_terminal(client, manager, setup, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    _login(client, manager)
    response = client.post(reverse("access:register_terminal"),
                           {"checkpoint": setup.checkpoint_id, "name": "Turnstile B",
                            "language": "en"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = response.context["token"]
    terminal = Terminal.objects.get(name="Turnstile B")
    assert terminal.token_hash == terminals.token_hash(token)
    assert token.encode() not in client.get(reverse("access:manage")).content
    client.post(reverse("access:revoke_terminal", args=[terminal.pk]))
    terminal.refresh_from_db()
    assert terminal.revoked_at is not None
    assert client.post(reverse("access:register_terminal"),
                       {"checkpoint": setup.checkpoint_id, "name": "  "}).status_code == 200
    assert Terminal.objects.count() == 2


def test_live_log_filters_and_is_audited(client, manager, setup, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    scan(setup, credential="FFFFFFFF", key="unknown")
    _login(client, manager)
    rows = client.get(reverse("access:log_rows")).context["rows"]
    assert len(rows) == 2
    denied = client.get(reverse("access:log_rows"), {"outcome": "deny"}).context["rows"]
    assert [r.reason_code for r in denied] == ["card_unknown"]
    by_reason = client.get(reverse("access:log"), {"reason": "ok"}).context["rows"]
    assert [r.reason_code for r in by_reason] == ["ok"]
    assert AuditLogEntry.objects.filter(action="access.log_viewed").count() == 3


def test_the_live_log_pages_back_by_keyset_and_downloads_every_row(client, manager, setup,
                                                                    settings, monkeypatch):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    monkeypatch.setattr(queries, "LOG_LIMIT", 2)
    for n in range(4):  # five decisions in all, recorded one minute apart
        scan(setup, credential="FFFFFFFF", key=f"unknown-{n}", at=AT + timedelta(minutes=n + 1),
             now=AT + timedelta(minutes=n + 1))
    newest_first = list(Decision.objects.order_by("-recorded_at", "-id").values_list("pk",
                                                                                     flat=True))
    _login(client, manager)
    seen, url = [], reverse("access:log")
    while url:
        page = client.get(url)
        seen += [row.pk for row in page.context["rows"]]
        url = f"{reverse('access:log')}?{page.context['older']}" if page.context["older"] else ""
    assert seen == newest_first
    denied = client.get(reverse("access:log"), {"outcome": "deny", "before": newest_first[0]})
    assert [row.pk for row in denied.context["rows"]] == newest_first[1:3]
    assert denied.context["live"] is False
    export = client.get(reverse("access:log_csv"), {"outcome": "deny"})
    lines = export.getvalue().decode().splitlines()
    assert lines[0].startswith("recorded_at,at,facility,checkpoint,terminal,person_id")
    assert len(lines) == 1 + 4 and all(",deny,card_unknown," in line for line in lines[1:])
    assert AuditLogEntry.objects.filter(action="access.log_exported").count() == 1


def test_weekly_chart_counts_allowed_uses(client, manager, setup, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    _login(client, manager)
    with clock.frozen(AT):
        response = client.get(reverse("access:chart"))
    assert response.context["total"] == 1
    assert b"<svg" in response.content


def test_resident_sees_only_their_own_history_and_quota(client, make_login, setup, holder,
                                                         pool_service):
    Quota.objects.create(service=pool_service, free_per_year=24, max_per_year=34)
    QuotaCounter.objects.create(quota=Quota.objects.get(), household=holder.household,
                                year=AT.year, used=5)
    user = make_login("amina@example.org")
    Person.objects.filter(user=user).delete()
    holder.user = user
    holder.save()
    _login(client, user)
    with clock.frozen(AT):
        response = client.get(reverse("access:mine"))
    assert [d.person for d in response.context["history"]] == [holder]
    assert response.context["quotas"][0].free_left == 19
    other = make_login("other@example.org")
    _login(client, other)
    response = client.get(reverse("access:mine"))
    assert response.context["history"] == []
    assert Decision.objects.count() == 1
