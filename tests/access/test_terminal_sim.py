import io
import json
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command

from civicard.access.models import Decision
from civicard.cards.operations import block_card
from civicard.core import clock
from civicard.simulator.terminal import SignatureInvalid, Simulator, Unreachable

from .conftest import AT, UID, enrol, fund

pytestmark = pytest.mark.django_db


def client_transport(client, *, tamper=False):
    def send(method, path, body, headers):
        extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        with clock.frozen(AT + timedelta(seconds=1)):
            if method == "GET":
                response = client.get(path, **extra)
            else:
                response = client.post(path, json.dumps(body), content_type="application/json",
                                       **extra)
        content = response.content
        if tamper and path.startswith("/api/terminals/allowlist"):
            content = content.replace(b'"version":', b'"version": ')
        return response.status_code, dict(response.headers), content
    return send


@pytest.fixture
def pool(pool_service, make_checkpoint, make_terminal, holder):
    terminal, token = make_terminal(make_checkpoint(pool_service, charge_use="entry"))
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    return terminal, token


def test_simulator_online_offline_and_resync(client, pool, holder, agent):
    terminal, token = pool
    sim = Simulator(transport=client_transport(client), token=token)
    assert sim.scan(UID, at=AT)["decision"] == "allow"
    sim.sync()
    assert len(sim.cards) == 1
    sim.offline = True
    assert sim.scan(UID, at=AT)["decision"] == "allow"
    assert sim.scan("0102030405", at=AT)["reason_code"] == "card_unknown"
    assert len(sim.buffer) == 2
    buffered = list(sim.buffer)
    result = sim.upload()
    assert (result["recorded"], sim.buffer) == (2, [])
    sim.buffer = buffered
    assert sim.upload()["duplicates"] == 2
    assert Decision.objects.filter(via="offline").count() == 2
    block_card(card=holder.physical, reason="lost", actor=agent, at=AT)
    document = sim.sync()
    assert document["full"] is False and sim.cards == {}
    assert sim.scan(UID, at=AT)["decision"] == "deny"
    terminal.refresh_from_db()
    assert terminal.software_version == "civicard-terminal-sim/1.0"


def test_simulator_refuses_a_tampered_list(client, pool):
    _terminal, token = pool
    sim = Simulator(transport=client_transport(client, tamper=True), token=token)
    with pytest.raises(SignatureInvalid):
        sim.sync()
    assert sim.allowlist is None


def test_simulator_decides_offline_when_the_server_is_unreachable(client, pool):
    _terminal, token = pool
    sim = Simulator(transport=client_transport(client), token=token)
    sim.sync()

    def down(*args):
        raise Unreachable("connection refused")

    sim.transport = down
    answer = sim.scan(UID, at=AT)
    assert (answer["decision"], answer["offline"]) == ("allow", True)


def test_terminal_sim_command(client, pool, monkeypatch, manager):
    from civicard.simulator.management.commands import terminal_sim
    monkeypatch.setattr(terminal_sim, "http_transport", lambda url: client_transport(client))
    monkeypatch.setattr(terminal_sim.Command, "simulator_options", {"now": lambda: AT})
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{UID}\nstatus\noffline\n{UID}\nonline\n"
                                                  "quit\n"))
    out = io.StringIO()
    checkpoint = pool[0].checkpoint
    call_command("terminal_sim", register=checkpoint.pk, manager=manager.email, stdout=out)
    text = out.getvalue()
    assert "Token (shown once): cct_" in text
    assert "OPEN  [ok]" in text
    assert "Uploaded: 1 recorded" in text
    assert Decision.objects.count() == 2


def test_the_reader_clock_reads_plain_times():
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from civicard.simulator.management.commands.terminal_sim import reader_clock

    paris, today = ZoneInfo("Europe/Paris"), date(2026, 3, 2)
    read = lambda text: reader_clock(text, zone="Europe/Paris", today=today)  # noqa: E731
    assert read("19:05") == datetime(2026, 3, 2, 19, 5, tzinfo=paris)
    assert read(" Tomorrow  7:30 ") == datetime(2026, 3, 3, 7, 30, tzinfo=paris)
    assert read("2026-12-24 23:59") == datetime(2026, 12, 24, 23, 59, tzinfo=paris)
    assert read("now") is None
    for bad in ("25:00", "soon", "2026-13-01 10:00", "tomorrow"):
        with pytest.raises(ValueError):
            read(bad)
