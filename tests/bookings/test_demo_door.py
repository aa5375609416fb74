"""The demo's promise, checked on the demo data: `civicard terminal-sim` at the squash court's
door refuses Amina's card now, and opens it during her slot tomorrow evening — after the door
closes to the public, with the reader offline — and not after the slot."""

import io
import json
import sys

from django.core.management import call_command

from civicard.access.models import Checkpoint
from civicard.cards.demo import AMINA_UID
from civicard.people import demo as people_demo


def test_terminal_sim_opens_the_court_for_amina_during_her_slot_only(db, client, monkeypatch):
    from civicard.simulator.management.commands import terminal_sim

    monkeypatch.setattr(people_demo, "HOUSEHOLDS", 60)
    notes = io.StringIO()
    call_command("demo", stdout=notes)
    door = Checkpoint.objects.get(facility__name="Squash du Parc", name="Porte du court")
    token = f"cct_demo-{door.pk}-not-secret"
    assert f"--token {token}`, type {AMINA_UID}" in notes.getvalue()

    def send(method, path, body, headers):
        extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        response = (client.get(path, **extra) if method == "GET" else
                    client.post(path, json.dumps(body), content_type="application/json",
                                **extra))
        return response.status_code, dict(response.headers), response.content

    monkeypatch.setattr(terminal_sim, "http_transport", lambda url: send)
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join([
        AMINA_UID, "offline", "at tomorrow 19:05", AMINA_UID, "at tomorrow 21:00", AMINA_UID,
        "at tomorrow 18:49", AMINA_UID, "quit"]) + "\n"))
    out = io.StringIO()
    call_command("terminal_sim", token=token, stdout=out)
    answers = [line.split("]")[0] + "]" for line in out.getvalue().splitlines()
               if line.startswith(("OPEN", "REFUSED"))]
    live = answers[0]
    assert live in ("REFUSED [closed]", "REFUSED [no_right]")
    assert answers[1:] == ["OPEN  [ok]", "REFUSED [no_right]", "REFUSED [no_right]"]
