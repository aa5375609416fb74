"""A small territory for the production-shape smoke test and the backup drill, written through
the domain operations into the database of DATABASE_URL: `python -m tests.ops.territory fill`
prints its ids as JSON. A counter agent with TOTP, a resident household with a card, a pool
with a turnstile and a terminal, a funded account, an uploaded file.
`python -m tests.ops.territory allowlist` prints the terminal's signed allow-list as served."""

import base64
import json
import os
import sys
from datetime import date, timedelta

AGENT_EMAIL = "agent@smoke.civicard.test"
RESIDENT_EMAIL = "resident@smoke.civicard.test"
PASSWORD = "a-Long-smoke-passw0rd"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TERMINAL_TOKEN = "cct_smoke-turnstile-token-for-the-production-shape-test"
CARD_UID = "04C1CA4DC0FFEE"
ENTRY_CENTS = 350
OPENING_CENTS = 2000


def fill() -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from civicard.access.models import Checkpoint, Facility
    from civicard.access.terminals import register_terminal
    from civicard.cards.operations import issue_card
    from civicard.core import clock
    from civicard.core.permissions import Role
    from civicard.people.models import Household, Membership, Person, RoleAssignment, User
    from civicard.territory.models import Commune, Territory
    from civicard.wallets import operations as wallets
    from civicard.wallets.models import Service, Tariff

    now = clock.now()
    territory = Territory.objects.create(name="Val-de-Fumée", slug="val-de-fumee")
    Commune.objects.create(territory=territory, name="Fuméeville", official_code="79901")

    def login(email, role=None):
        user = User.objects.create_user(email, PASSWORD)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        person = Person.objects.create(user=user, full_name=email.split("@")[0].title(),
                                       language="fr", email=email)
        if role:
            RoleAssignment.objects.create(user=user, role=role)
        return user, person

    agent, _ = login(AGENT_EMAIL, Role.COUNTER_AGENT)
    TOTP.activate(agent, TOTP_SECRET)
    manager, _ = login("manager@smoke.civicard.test", Role.SERVICE_MANAGER)
    _, resident = login(RESIDENT_EMAIL)
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=resident, is_guardian=True)
    issue_card(person=resident, kind="physical", uid=CARD_UID, actor=agent, at=now)

    pool = Service.objects.create(territory=territory, slug="pool", name="Pool")
    Tariff.objects.create(service=pool, use="entry", amount_cents=ENTRY_CENTS,
                          valid_from=date(2000, 1, 1), created_at=now)
    wallets.enrol(service=pool, household=household, starts_on=now.date() - timedelta(days=1),
                  actor=agent, at=now)
    account = wallets.open_account(household=household, service=pool, at=now)
    wallets.top_up(account=account, amount_cents=OPENING_CENTS, means="cash",
                   reason="Opening", idempotency_key="smoke-opening", actor=agent, at=now)
    facility = Facility.objects.create(territory=territory, name="Pool", kind="pool")
    checkpoint = Checkpoint.objects.create(facility=facility, name="Turnstile", kind="turnstile",
                                           service=pool, opening_hours="24/7",
                                           charge_use="entry")
    register_terminal(checkpoint=checkpoint, name="Turnstile 1", actor=manager, at=now,
                      token=TERMINAL_TOKEN)
    upload = default_storage.save("smoke/notice.txt", ContentFile("Uploaded before the backup."))
    return {"household": household.pk, "account": account.pk, "upload": upload}


def allowlist() -> dict:
    from django.test import Client

    client = Client()
    response = client.get("/api/terminals/allowlist",
                          HTTP_AUTHORIZATION=f"Bearer {TERMINAL_TOKEN}")
    assert response.status_code == 200, response.content
    return {"body": base64.b64encode(response.content).decode(),
            "signature": response["X-Civicard-Signature"],
            "public_key": client.get("/api/terminals/public-key").json()["public_key"]}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicard.settings")
    import django

    django.setup()
    print(json.dumps({"fill": fill, "allowlist": allowlist}[sys.argv[1]]()))
