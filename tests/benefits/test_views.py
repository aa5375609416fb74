"""Pages and the permission matrix: each view × role (and anonymous); a refused call writes
nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from civicard.benefits import codes, operations
from civicard.benefits.models import Booklet, BookletStatus, Redemption, SocialService, Statement
from civicard.core import clock
from civicard.core.permissions import Role
from tests.conftest import PASSWORD

from .conftest import AT, accredit, handed_out_booklet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


@pytest.fixture
def setup(pass_programme, entries_programme, ccas, make_venue, venue_user, social_user,
          funder_user, territory, make_login):
    venue, other = make_venue("Cyber-base"), make_venue("Other venue")
    for v in (venue, other):
        accredit(pass_programme, v, services=["CV", "e-mail"])
        accredit(entries_programme, v)
    other_service = SocialService.objects.create(territory=territory, name="Other CCAS")
    mine = operations.create_booklets(programme=pass_programme, social_service=ccas, count=2,
                                      actor=None, at=AT)
    theirs = operations.create_booklets(programme=pass_programme, social_service=other_service,
                                        count=1, actor=None, at=AT)
    return {
        "venue": venue, "other": other, "staff": venue_user(venue),
        "other_staff": venue_user(other), "social": social_user(ccas),
        "funder": funder_user, "resident": make_login("rosa@example.org"),
        "mine": Booklet.objects.filter(batch=mine).order_by("pk").first(),
        "theirs": Booklet.objects.get(batch=theirs),
        "counter": make_login("agent@example.org", role=Role.COUNTER_AGENT),
    }


def _login(client, user):
    if user is not None:
        assert client.login(email=user.email, password=PASSWORD)


@pytest.mark.parametrize("name, allowed", [
    ("benefits:desk", {"staff", "other_staff"}),
    ("benefits:booklets", {"social"}),
    ("benefits:dashboard", {"social", "funder"}),
    ("benefits:mine", {"staff", "other_staff", "social", "funder", "resident", "counter"}),
])
def test_page_matrix(client, setup, name, allowed):
    for who in [None, "staff", "other_staff", "social", "funder", "resident", "counter"]:
        client.logout()
        _login(client, setup.get(who))
        with clock.frozen(AT):
            response = client.get(reverse(name))
        if who is None:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif who in allowed:
            assert response.status_code == 200, who
        else:
            assert response.status_code == 403, who


@pytest.mark.parametrize("who, status", [
    (None, 302), ("staff", 403), ("resident", 403), ("funder", 403), ("social", 200)])
def test_hand_out_matrix_and_other_service_refused(client, setup, who, status, neighbourhood):
    _login(client, setup.get(who))
    booklet = setup["mine"]
    url = reverse("benefits:booklet", args=[booklet.pk])
    with clock.frozen(AT):
        response = client.post(url, {"age_bracket": "60_74", "neighbourhood": neighbourhood.pk})
    booklet.refresh_from_db()
    if status == 200:
        assert response.status_code == 302
        assert booklet.status == BookletStatus.HANDED_OUT
    else:
        assert response.status_code == status
        assert booklet.status == BookletStatus.CREATED
    if who == "social":
        theirs = setup["theirs"]
        response = client.post(reverse("benefits:booklet", args=[theirs.pk]),
                               {"age_bracket": "60_74"})
        assert response.status_code == 403
        theirs.refresh_from_db()
        assert theirs.status == BookletStatus.CREATED
        listing = client.get(reverse("benefits:booklets")).content.decode()
        assert setup["mine"].number in listing and theirs.number not in listing


def test_venue_redeems_by_code_and_sees_only_its_own(client, setup, pass_programme):
    booklet = setup["mine"]
    Booklet.objects.filter(pk=booklet.pk).update(status=BookletStatus.HANDED_OUT,
                                                 handed_out_at=AT)
    voucher = booklet.vouchers.get(position=1)
    _login(client, setup["staff"])
    with clock.frozen(AT):
        preview = client.post(reverse("benefits:desk"), {"code": codes.display(voucher.code)})
        assert preview.status_code == 200
        assert "10.00" in preview.content.decode()
        key = preview.context["confirm"].initial["key"]
        done = client.post(reverse("benefits:redeem"), {
            "credential": voucher.code, "key": key, "service": "CV"}, follow=True)
    assert "Voucher accepted" in done.content.decode()
    redemption = Redemption.objects.get()
    assert redemption.venue == setup["venue"]
    client.logout()
    _login(client, setup["other_staff"])
    with clock.frozen(AT):
        page = client.get(reverse("benefits:desk")).content.decode()
        assert "voucher 10.00" not in page
        undo = client.post(reverse("benefits:undo", args=[redemption.pk]))
    assert undo.status_code == 403
    redemption.refresh_from_db()
    assert redemption.undone_at is None


def test_a_typo_on_the_desk_shows_the_hint_and_writes_nothing(client, setup):
    voucher = setup["mine"].vouchers.get(position=1)
    code = voucher.code
    typo = code[1] + code[0] + code[2:] if code[0] != code[1] else code[::-1]
    _login(client, setup["staff"])
    with clock.frozen(AT):
        response = client.post(reverse("benefits:desk"), {"code": typo})
    text = response.content.decode()
    assert response.status_code == 200
    if code[0] != code[1]:
        assert codes.display(code) in text
    assert Redemption.objects.count() == 0


def test_statement_files_only_for_the_venue_and_the_funder(client, setup, pass_programme):
    vouchers = handed_out_booklet(pass_programme, setup["mine"].social_service)[0].vouchers.all()
    operations.redeem_voucher(voucher=vouchers[0], venue=setup["venue"], service="CV",
                              actor=setup["staff"], at=AT, idempotency_key="statement-1")
    later = AT + timedelta(days=40)
    [statement, _other] = sorted(operations.issue_statements(
        programme=pass_programme, month=AT.date(), actor=setup["funder"], at=later),
        key=lambda s: s.venue_id != setup["venue"].pk)
    for who, status in [("staff", 200), ("funder", 200), ("other_staff", 403), ("social", 403)]:
        client.logout()
        _login(client, setup[who])
        csv_response = client.get(reverse("benefits:statement_csv", args=[statement.pk]))
        assert csv_response.status_code == status
        if status == 200:
            body = csv_response.getvalue().decode()
            assert "TOTAL,1000" in body
    client.logout()
    _login(client, setup["funder"])
    payments = client.get(reverse("benefits:payments_csv",
                                  args=[pass_programme.pk, AT.strftime("%Y-%m")]))
    assert "10.00;EUR" in payments.getvalue().decode()
    pdf = client.get(reverse("benefits:statement_pdf", args=[statement.pk]))
    assert pdf.content.startswith(b"%PDF")
    assert Statement.objects.count() == 2


def test_booklet_pdf_has_the_five_codes(client, setup):
    import shutil
    import subprocess

    _login(client, setup["social"])
    booklet = setup["mine"]
    response = client.get(reverse("benefits:booklet_pdf", args=[booklet.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.content,
                              capture_output=True, check=True).stdout.decode()
        for voucher in booklet.vouchers.all():
            assert codes.display(voucher.code) in text
    client.logout()
    _login(client, setup["staff"])
    assert client.get(reverse("benefits:booklet_pdf", args=[booklet.pk])).status_code == 403


def test_hand_out_by_card_number_and_card_entry_at_the_desk(client, setup, holder):
    from civicard.cards.models import Card

    card = Card.objects.get(person=holder)
    _login(client, setup["social"])
    response = client.post(reverse("benefits:booklet", args=[setup["mine"].pk]),
                           {"card_number": "0000"})
    assert "No card has this number" in response.content.decode()
    client.post(reverse("benefits:booklet", args=[setup["mine"].pk]),
                {"card_number": " ".join([card.number[:4], card.number[4:]])})
    booklet = Booklet.objects.get(pk=setup["mine"].pk)
    assert booklet.person == holder and booklet.status == BookletStatus.HANDED_OUT
    client.logout()
    _login(client, setup["staff"])
    with clock.frozen(AT):
        preview = client.post(reverse("benefits:desk"), {"code": "04A1B2C3D4E5F6"})
        assert "Odette" in preview.content.decode()
        assert preview.context["offer"].entries_left == 2
        key = preview.context["confirm"].initial["key"]
        client.post(reverse("benefits:redeem"), {"credential": "04A1B2C3D4E5F6", "key": key})
        client.post(reverse("benefits:redeem"), {"credential": "04A1B2C3D4E5F6", "key": key})
        assert Redemption.objects.filter(person=holder).count() == 1
        entry = Redemption.objects.get(person=holder)
        client.post(reverse("benefits:undo", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.undone_at is not None
    client.logout()
    _login(client, setup["resident"])
    assert client.get(reverse("benefits:mine")).status_code == 200


def test_api_redeem_matrix(client, setup, pass_programme):
    import json

    booklet = setup["mine"]
    Booklet.objects.filter(pk=booklet.pk).update(status=BookletStatus.HANDED_OUT,
                                                 handed_out_at=AT)
    voucher = booklet.vouchers.get(position=1)
    body = {"venue_id": setup["venue"].pk, "credential": codes.display(voucher.code),
            "service": "CV", "idempotency_key": "api-key-1"}
    for who, status in [(None, 403), ("resident", 403), ("other_staff", 403), ("social", 403)]:
        client.logout()
        _login(client, setup.get(who))
        with clock.frozen(AT):
            response = client.post("/api/benefits/redeem", json.dumps(body),
                                   content_type="application/json")
        assert response.status_code in (status, 401), who
        assert Redemption.objects.count() == 0
    client.logout()
    _login(client, setup["staff"])
    with clock.frozen(AT):
        ok = client.post("/api/benefits/redeem", json.dumps(body), content_type="application/json")
        again = client.post("/api/benefits/redeem", json.dumps(body | {"idempotency_key": "k2"
                                                                      "-other"}),
                            content_type="application/json")
    assert ok.status_code == 200 and ok.json()["amount_cents"] == 1000
    assert again.status_code == 409 and again.json()["code"] == "voucher_already_used"
    typo = client.post("/api/benefits/redeem", json.dumps(body | {"credential": "ABCD"}),
                       content_type="application/json")
    assert typo.status_code == 404 and typo.json()["code"] == "card_unknown"


def test_cancel_needs_the_tick_and_only_the_own_service(client, setup):
    booklet = setup["mine"]
    Booklet.objects.filter(pk=booklet.pk).update(status=BookletStatus.HANDED_OUT,
                                                 handed_out_at=AT)
    _login(client, setup["social"])
    client.post(reverse("benefits:cancel_booklet", args=[booklet.pk]))
    booklet.refresh_from_db()
    assert booklet.status == BookletStatus.HANDED_OUT
    theirs = setup["theirs"]
    refused = client.post(reverse("benefits:cancel_booklet", args=[theirs.pk]),
                          {"confirm": "yes"})
    assert refused.status_code == 403
    client.post(reverse("benefits:cancel_booklet", args=[booklet.pk]), {"confirm": "yes"})
    booklet.refresh_from_db()
    assert booklet.status == BookletStatus.CANCELLED


def test_funder_creates_a_batch_and_prints_it(client, setup, pass_programme, ccas):
    url = reverse("benefits:create_batch", args=[pass_programme.pk])
    data = {f"p{pass_programme.pk}-count": "2", f"p{pass_programme.pk}-social_service": ccas.pk}
    before = Booklet.objects.count()
    for who in ("staff", "social", "resident"):
        client.logout()
        _login(client, setup[who])
        assert client.post(url, data).status_code == 403
    assert Booklet.objects.count() == before
    client.logout()
    _login(client, setup["funder"])
    client.post(url, data)
    assert Booklet.objects.count() == before + 2
    batch = Booklet.objects.order_by("-pk").first().batch
    response = client.get(reverse("benefits:batch_pdf", args=[batch.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    page = client.get(reverse("benefits:dashboard")).content.decode()
    assert "Create the booklets" in page


def _island(html: str, element_id: str) -> dict:
    import json
    import re

    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html,
                      re.S)
    assert found, f"no JSON island {element_id}"
    return json.loads(found.group(1))


def test_resident_page_maps_the_venues_with_what_is_left_there(
        client, entries_programme, make_venue, venue_user, make_login):
    museum = make_venue("Museum", latitude="46.64780", longitude="-0.24720",
                        address="2 place du Musée")
    pool = make_venue("Pool", latitude="46.65310", longitude="-0.23610")
    pool.opening_hours = "Mo 08:00-09:00"
    pool.save()
    theatre = make_venue("Theatre")  # no coordinates: in the list, not on the map
    for venue in (museum, pool, theatre):
        accredit(entries_programme, venue)
    resident = make_login("rosa@example.org")
    operations.redeem_entry(person=resident.person, venue=museum, actor=venue_user(museum),
                            at=AT, idempotency_key="map-entry-1")  # the cap here is 1
    _login(client, resident)
    with clock.frozen(AT):  # a Tuesday, 11:00 in Paris
        html = client.get(reverse("benefits:mine")).content.decode()
    map_id = f"venue-map-{entries_programme.pk}"
    assert f'id="{map_id}"' in html and f'data-features="{map_id}-data"' in html
    assert "js/placemap.js" in html and "vendor/leaflet/leaflet.js" in html
    data = _island(html, f"{map_id}-data")
    features = {f["properties"]["name"]: f for f in data["features"]}
    assert sorted(features) == ["Museum", "Pool"]
    assert features["Museum"]["geometry"]["coordinates"] == [-0.2472, 46.6478]
    assert features["Pool"]["geometry"]["coordinates"] == [-0.2361, 46.6531]
    assert features["Museum"]["properties"]["lines"] == [
        "2 place du Musée", "No free entries left here this month.",
        "Open now · until 18:00", "Today: 10:00–18:00"]
    assert features["Pool"]["properties"]["lines"] == [
        "1 free entry left here this month.", "Closed now · opens Monday at 08:00",
        "Today: Closed"]
    # The list, the alternative without JavaScript, says the same and keeps the theatre; its
    # week is in plain words, never in OSM syntax.
    listing = html.split(f'id="{map_id}"')[0]
    assert listing.count("No free entries left here this month.") == 1
    assert listing.count("1 free entry left here this month.") == 2  # the pool and the theatre
    assert "Theatre" in listing
    assert listing.count("<strong>Open now · until 18:00</strong>") == 2  # museum, theatre
    assert "<strong>Closed now · opens Monday at 08:00</strong>" in listing
    assert '<th scope="row">Monday 16 March</th><td>08:00–09:00</td>' in listing
    assert "Tu-Su" not in html and "Mo 08:00-09:00" not in html


def test_no_map_when_no_venue_has_coordinates(client, entries_programme, make_venue, make_login):
    accredit(entries_programme, make_venue("Museum"))
    _login(client, make_login("rosa@example.org"))
    with clock.frozen(AT):
        html = client.get(reverse("benefits:mine")).content.decode()
    assert "Museum" in html and "1 free entry left here this month." in html
    assert "data-place-map" not in html and "leaflet.js" not in html


@pytest.mark.parametrize("hours,error", [
    ("Tu-Su 10:00-18:00; PH off", None),
    ("", None),
    ("Mardi 10h-18h", "“Mardi 10h-18h” is not in the OpenStreetMap opening hours syntax. "
                      "Example: Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00."),
])
def test_venue_admin_form_refuses_hours_it_cannot_read(territory, hours, error):
    from civicard.benefits.admin import VenueForm

    form = VenueForm(data={"territory": territory.pk, "name": "Museum", "opening_hours": hours})
    assert form.is_valid() is (error is None)
    assert form.errors.get("opening_hours") == ([error] if error else None)
