from datetime import UTC, datetime

import pytest
from django.urls import reverse

from civicard.cards import codes
from civicard.cards.models import Card, CardEvent
from civicard.core import clock
from civicard.core.models import AuditLogEntry

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)


def test_resident_gets_a_digital_card_and_sees_the_current_code(client, resident):
    client.force_login(resident)
    page = client.get(reverse("cards:my_card")).content.decode()
    assert "Get my card on this phone" in page
    client.post(reverse("cards:get_digital"))
    card = Card.objects.get(person=resident.person)
    at = int(AT.timestamp())
    page = client.get(reverse("cards:my_card"), {"at": at}).content.decode()
    assert f'data-payload="{codes.qr_payload(card.number, card.secret, at)}"' in page
    assert "<svg" in page
    sw = client.get(reverse("cards:service_worker"))
    assert sw["Content-Type"].startswith("text/javascript")
    assert b"/me/card/" in sw.content


def test_resident_blocks_a_lost_card_and_it_is_audited(client, resident):
    client.force_login(resident)
    client.post(reverse("cards:get_digital"))
    card = Card.objects.get()
    response = client.post(reverse("cards:block_mine", args=[card.pk]), {"reason": "lost"})
    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.status, card.block_reason) == ("blocked", "lost")
    assert AuditLogEntry.objects.filter(action="card.blocked", actor=resident).count() == 1


def test_agent_issues_replaces_and_prints(client, agent, resident):
    client.force_login(agent)
    person = resident.person
    with clock.frozen(AT):
        response = client.post(reverse("cards:counter_issue", args=[person.pk]),
                               {"kind": "physical", "uid": "04 11 22 33"})
    assert response.status_code == 302
    card = Card.objects.get()
    bad = client.post(reverse("cards:counter_issue", args=[person.pk]),
                      {"kind": "physical", "uid": "zz"})
    assert bad.status_code == 422 and Card.objects.count() == 1
    response = client.post(reverse("cards:counter_replace", args=[card.pk]),
                           {"reason": "damaged", "uid": "04112244"})
    assert response.status_code == 302
    new = Card.objects.get(replaces=card)
    assert new.status == "active"
    page = client.get(reverse("cards:counter_person", args=[person.pk])).content.decode()
    assert "04112233" not in page and "••••2244" in page
    pdf = client.get(reverse("cards:counter_print", args=[new.pk]))
    assert pdf.content.startswith(b"%PDF")
    assert CardEvent.objects.filter(card=new, action="printed").count() == 1
    found = client.get(reverse("cards:counter_find"), {"q": "0411 2244"})
    assert found.status_code == 302 and found.url == reverse("cards:counter_person",
                                                             args=[person.pk])
