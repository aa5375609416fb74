"""The SIP2 server over real sockets on 127.0.0.1: the independent client from PyPI (Sip2)
and Civicard's own codec; a kiosk lends and takes back, and the resident's page agrees."""

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from civicard.core import clock
from civicard.core.permissions import Role
from civicard.library import operations, queries
from civicard.library.models import Channel, CopyState, Loan
from civicard.library.sip2 import Session, start
from civicard.providers.sip2 import Message, Sip2Client, checksum, parse

from .conftest import CHIP, add_title, lend

# Sockets need committed rows, and a flushable database: PostgreSQL (SQLite's triggers refuse
# the flush of append-only tables), as in the browser tests.
over_sockets = pytest.mark.django_db(transaction=True)
PASSWORD = "kiosk-secret"


@pytest.fixture
def manager(make_login):
    return make_login("manager@example.org", role=Role.SERVICE_MANAGER)


@pytest.fixture
def kiosk(library, centre, manager):
    return operations.add_kiosk(library=library, branch=centre, name="Kiosk 1", login="kiosk1",
                                password=PASSWORD, actor=manager)


@pytest.fixture
def server():
    server, _thread = start("127.0.0.1", 0)
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_checksum_and_sequence_as_kiosks_compute_them():
    text = "09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"
    assert checksum(text) == "EB80"  # the worked example shipped with the Sip2 client
    parsed = parse(text + "EB80")
    assert (parsed.code, parsed.sequence, parsed.get("AP"), parsed.get("AB")) == (
        "09", "2", "Reading Room 1", "830$28170815")
    assert Message(code="09", fixed=parsed.fixed, fields=parsed.fields,
                   sequence="2").encode() == text + "EB80\r"


@pytest.mark.django_db
def test_a_wrong_checksum_or_a_malformed_message_asks_for_a_resend(kiosk):
    session = Session()
    assert session.answer("9300CNkiosk1|COkiosk-secret|AY0AZ0000") == "96\r"
    assert session.answer("zz") == "96\r"
    assert session.answer("11") == "96\r"
    assert session.answer("9300CNkiosk1|CObad|") == "940\r"
    assert session.answer("9900802.00") == "940\r"  # nothing before a login


@over_sockets
def test_independent_client_checks_out_and_in(postgres_only, server, kiosk, amina, amina_card,
                                              library, centre):
    from Sip2.sip2 import Sip2

    copy = add_title(library, "Le Petit Prince", copies=[("B100", centre)]).copies.get()
    client = Sip2()
    client.hostName, client.hostPort, client.tlsEnable = "127.0.0.1", server, False
    client.institutionId, client.scLocation = library.code, "centre"
    client.log = __import__("logging").getLogger("sip2-client")
    client.connect()
    try:
        login = client.sip_login_response(client.get_response(
            client.sip_login_request("kiosk1", PASSWORD)))
        assert login["fixed"]["Ok"] == "1"
        status = client.sip_sc_status_response(client.get_response(
            client.sip_sc_status_request()))
        assert (status["fixed"]["OnlineStatus"], status["fixed"]["CheckoutOk"]) == ("Y", "Y")
        client.patron = CHIP
        patron = client.sip_patron_status_response(client.get_response(
            client.sip_patron_status_request()))
        assert patron["variable"]["BL"] == ["Y"]
        assert patron["variable"]["AE"] == ["Amina Benali"]
        out = client.sip_checkout_response(client.get_response(
            client.sip_checkout_request("B100")))
        assert out["fixed"]["Ok"] == "1"
        assert out["variable"]["AJ"] == ["Le Petit Prince"]
        assert [loan.copy.barcode for loan in queries.loans_of(amina[0].person)] == ["B100"]
        info = client.sip_patron_information_response(client.get_response(
            client.sip_patron_information_request("charged")))
        assert info["variable"]["AU"] == ["B100"]
        back = client.sip_checkin_response(client.get_response(
            client.sip_checkin_request("B100", currentLocation="centre")))
        assert back["fixed"]["Ok"] == "1"
        unknown = client.sip_item_information_response(client.get_response(
            client.sip_item_information_request("NOPE")))
        assert unknown["fixed"]["CirculationStatus"] == "01"
        client.patron = "04FFFFFFFFFFFF"
        nobody = client.sip_checkout_response(client.get_response(
            client.sip_checkout_request("B100")))
        assert nobody["fixed"]["Ok"] == "0"
        assert nobody["variable"]["AF"] == ["This card is not a member of this library."]
    finally:
        client.disconnect()
    copy.refresh_from_db()
    assert copy.state == CopyState.ON_SHELF
    assert list(queries.loans_of(amina[0].person)) == []
    assert Loan.objects.get().returned.kiosk == kiosk


@over_sockets
def test_a_kiosk_check_in_names_the_branch_a_copy_in_transit_goes_to(
        postgres_only, server, kiosk, manager, amina, make_member, librarian, library, centre,
        port):
    from Sip2.sip2 import Sip2

    copy = add_title(library, "Voyage", copies=[("B200", centre)]).copies.get()
    lend(make_member("borrower@example.org")[1], copy, librarian)
    hold = operations.place_hold(title=copy.title, membership=amina[1], person=amina[0].person,
                                 pickup_branch=port, channel=Channel.ONLINE, actor=amina[0],
                                 at=clock.now())
    operations.add_kiosk(library=library, branch=port, name="Port kiosk", login="kiosk-port",
                         password=PASSWORD, actor=manager)
    answers = {}
    for login, where in (("kiosk1", "centre"), ("kiosk-port", "port")):
        client = Sip2()
        client.hostName, client.hostPort, client.tlsEnable = "127.0.0.1", server, False
        client.institutionId, client.scLocation = library.code, where
        client.log = __import__("logging").getLogger("sip2-client")
        client.connect()
        try:
            assert client.sip_login_response(client.get_response(
                client.sip_login_request(login, PASSWORD)))["fixed"]["Ok"] == "1"
            answers[where] = client.sip_checkin_response(client.get_response(
                client.sip_checkin_request("B200", currentLocation=where)))
        finally:
            client.disconnect()
    sent = answers["centre"]
    assert (sent["fixed"]["Ok"], sent["fixed"]["Resensitize"], sent["fixed"]["Alert"]) == (
        "1", "N", "Y")
    assert (sent["variable"]["CT"], sent["variable"]["CV"]) == (["port"], ["02"])
    assert sent["variable"]["AF"] == ["Put it aside: it goes to Le Port."]
    kept = answers["port"]
    assert (kept["fixed"]["Ok"], kept["fixed"]["Alert"]) == ("1", "Y")
    assert kept["variable"]["CV"] == ["01"] and "CT" not in kept["variable"]
    copy.refresh_from_db()
    assert (copy.state, copy.branch, copy.waiting_for_id) == (CopyState.WAITING, port, hold.pk)
    [line] = queries.holds_of(amina[0].person)
    assert line.collect_by is not None


@over_sockets
def test_twenty_kiosks_in_parallel_lose_nothing(postgres_only, server, kiosk, make_member,
                                                library, centre):
    members = [make_member(f"m{i}@example.org")[1].number for i in range(20)]
    add_title(library, "Shared", copies=[("ONE", centre)])
    for i in range(20):
        add_title(library, f"Own {i}", copies=[(f"OWN{i}", centre)])

    def kiosk_session(index):
        client = Sip2Client(host="127.0.0.1", port=server)
        client.connect()
        try:
            assert client.login("kiosk1", PASSWORD)
            fixed = "NN" + "20260310    100000" + " " * 18
            mine = client.send("11", fixed, [("AO", library.code), ("AA", members[index]),
                                             ("AB", f"OWN{index}")])
            shared = client.send("11", fixed, [("AO", library.code), ("AA", members[index]),
                                               ("AB", "ONE")])
            return mine.fixed[0], shared.fixed[0]
        finally:
            client.close()
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(kiosk_session, range(20)))
    assert [mine for mine, _ in results] == ["1"] * 20
    assert sorted(shared for _, shared in results) == ["0"] * 19 + ["1"]
    assert Loan.objects.count() == 21
    assert Loan.objects.filter(copy__barcode="ONE").count() == 1


@over_sockets
def test_a_garbled_line_keeps_the_connection_open(postgres_only, server, kiosk):
    with socket.create_connection(("127.0.0.1", server), timeout=3) as sock:
        sock.sendall(b"\xff\xfe garbage\r")
        assert sock.recv(100) == b"96\r"
        login = Message(code="93", fixed="00", fields=[("CN", "kiosk1"), ("CO", PASSWORD)],
                        sequence="1")
        sock.sendall(login.encode().encode())
        assert parse(sock.recv(100).decode()).fixed == "1"
