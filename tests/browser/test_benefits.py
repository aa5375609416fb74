"""Social worker hands out a booklet → a venue redeems a voucher by code at phone width → the
funder sees it on the dashboard and in the monthly statement."""

from datetime import date, timedelta

from civicard.benefits import codes, operations
from civicard.benefits.models import (
    Accreditation,
    BenefitKind,
    Booklet,
    Funder,
    Grant,
    Programme,
    SocialService,
    StaffLink,
    Venue,
)
from civicard.core import clock
from civicard.core.permissions import Role
from civicard.territory.models import Neighbourhood
from tests.conftest import PASSWORD


def test_hand_out_redeem_and_settle(visitor, territory, make_login, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    funder = Funder.objects.create(territory=territory, name="Département")
    ccas = SocialService.objects.create(territory=territory, name="CCAS")
    today = clock.today()
    programme = Programme.objects.create(
        funder=funder, name="Pass numérique", kind=BenefitKind.MONEY, grant=Grant.BOOKLETS,
        voucher_value_cents=1000, starts_on=date(2020, 1, 1), ends_on=today + timedelta(days=365))
    venue = Venue.objects.create(territory=territory, name="Espace numérique",
                                 opening_hours="Mo-Fr 09:00-17:00")
    Accreditation.objects.create(programme=programme, venue=venue, active_from=date(2020, 1, 1),
                                 services=["e-mail", "CV"])
    social = make_login("social@ccas.test", role=Role.SOCIAL_WORKER, full_name="Nadia Ferhat")
    staff = make_login("venue@venue.test", role=Role.VENUE_STAFF, full_name="Julie Caron")
    manager = make_login("funder@dept.test", role=Role.SERVICE_MANAGER, full_name="Marc D")
    StaffLink.objects.create(user=social, social_service=ccas)
    StaffLink.objects.create(user=staff, venue=venue)
    StaffLink.objects.create(user=manager, funder=funder)
    batch = operations.create_booklets(programme=programme, social_service=ccas, count=3,
                                       actor=None, at=clock.now())
    booklet = Booklet.objects.filter(batch=batch).order_by("pk").first()
    voucher = booklet.vouchers.get(position=1)
    hood = Neighbourhood.objects.get(name="Les Tours")

    # The social worker hands the booklet out anonymously.
    visitor.log_in(social.email, PASSWORD)
    page = visitor.go("/benefits/booklets/")
    visitor.screenshot("benefits-booklets")
    page.click(f"text={booklet.number}")
    visitor.check()
    page.select_option("select[name=age_bracket]", "60_74")
    page.select_option("select[name=neighbourhood]", str(hood.pk))
    page.click("button:has-text('Hand out')")
    visitor.check()
    assert "was handed out" in page.inner_text("main")
    visitor.screenshot("benefits-booklet-handed-out")
    page.click("button:has-text('Log out')")

    # The venue types the code with a typo first, then the right one, and confirms.
    visitor.log_in(staff.email, PASSWORD)
    page = visitor.go("/benefits/venue/")
    visitor.screenshot("benefits-desk")
    code = voucher.code
    typo = code[:4] + ("A" if code[4] != "A" else "B") + code[5:]
    page.fill("input[name=code]", codes.display(typo))
    page.click("button:has-text('Check')")
    visitor.check()
    assert "typing mistake" in page.inner_text("main")
    visitor.screenshot("benefits-desk-typo")
    page.fill("input[name=code]", codes.display(code).lower())
    page.click("button:has-text('Check')")
    visitor.check()
    assert "Voucher worth" in page.inner_text("main")
    page.select_option("select[name=service]", "CV")
    visitor.screenshot("benefits-desk-offer")
    page.click("button:has-text('Confirm')")
    visitor.check()
    assert "Voucher accepted" in page.inner_text("main")
    visitor.screenshot("benefits-desk-done")
    page.fill("input[name=code]", codes.display(code))
    page.click("button:has-text('Check')")
    visitor.check()
    assert "already used" in page.inner_text("main")
    visitor.screenshot("benefits-desk-already-used")
    page.click("button:has-text('Log out')")

    # Next month, the funder sees it on the dashboard and issues the statement.
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go("/benefits/dashboard/")
    assert "Espace numérique" in page.inner_text("main")
    assert "10.00" in page.inner_text("main")
    visitor.screenshot("benefits-dashboard")
    [statement] = operations.issue_statements(
        programme=programme, month=today.replace(day=1), actor=manager,
        at=clock.now() + timedelta(days=40))
    page = visitor.go("/benefits/dashboard/")
    assert "Payment export" in page.inner_text("main")
    visitor.screenshot("benefits-dashboard-statements")
    csv = page.request.get(visitor.base_url + f"/benefits/statements/{statement.pk}.csv").text()
    assert "TOTAL,1000" in csv


def test_resident_sees_entries_left_and_venues(visitor, territory, make_login, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    funder = Funder.objects.create(territory=territory, name="Ville")
    programme = Programme.objects.create(
        funder=funder, name="Free outings", kind=BenefitKind.ENTRIES, grant=Grant.MONTHLY,
        entries_per_month=4, per_venue_cap=2, starts_on=date(2020, 1, 1))
    for name, hours, lat, lon in [("Town museum", "Tu-Su 10:00-18:00", "46.6478", "-0.2472"),
                                  ("Pool", "Mo-Fr 12:00-20:00", "46.6531", "-0.2361"),
                                  ("Cinema", "Mo-Su 13:30-22:30", "46.6419", "-0.2558")]:
        venue = Venue.objects.create(territory=territory, name=name, opening_hours=hours,
                                     address="1 place de la Mairie", latitude=lat,
                                     longitude=lon)
        Accreditation.objects.create(programme=programme, venue=venue,
                                     active_from=date(2020, 1, 1))
    resident = make_login("rosa@example.org", full_name="Rosa Parkinson")
    visitor.log_in(resident.email, PASSWORD)
    page = visitor.go("/me/benefits/")
    text = page.inner_text("main")
    assert "Free outings" in text and "Town museum" in text
    assert text.count("2 free entries left here this month.") == 3
    # Opening hours in plain words (the server's clock is not frozen: any moment of the week).
    museum_now = {"Open now · until 18:00", "Closed now · opens today at 10:00",
                  "Closed now · opens tomorrow at 10:00", "Closed now · opens Tuesday at 10:00"}
    assert [line for line in museum_now if line in text] != []
    assert "Tu-Su" not in text and "Mo-Su" not in text
    museum = page.locator(".card-list li", has_text="Town museum")
    museum.locator("summary", has_text="Opening hours this week").click()
    week = museum.locator("table.hours tr").all_inner_texts()
    assert len(week) == 7
    assert sorted(row.split("\t")[1].removesuffix(" (public holiday)") for row in week) == [
        "10:00–18:00"] * 6 + ["Closed"]
    visitor.check()
    visitor.screenshot("benefits-resident")

    # The same venues on the map, without a street background (no tile server configured).
    box = f"#venue-map-{programme.pk}"
    page.wait_for_selector(f"{box}[data-loaded]")
    assert page.locator(box).get_attribute("data-loaded") == "3"
    markers = page.locator(f"{box} .leaflet-marker-icon")
    assert sorted(m.get_attribute("alt") for m in markers.all()) == [
        "Cinema", "Pool", "Town museum"]
    page.locator(f"{box} .leaflet-marker-icon[alt='Town museum']").click()
    popup = page.locator(f"{box} .leaflet-popup-content").inner_text()
    assert "Town museum" in popup and "2 free entries left here this month." in popup
    isolated = page.locator(f"{box} .leaflet-popup-content bdi").all_inner_texts()
    assert isolated[0] == "Town museum" and "2 free entries left here this month." in isolated
    assert [line for line in museum_now if line in popup] != []
    assert "Today: 10:00–18:00" in popup or "Today: Closed" in popup
    assert "Tu-Su" not in popup
    page.wait_for_function(  # the popup fades in; axe checks it once it is fully shown
        "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
    visitor.check()
    page.locator(box).scroll_into_view_if_needed()
    visitor.screenshot("benefits-resident-map")
