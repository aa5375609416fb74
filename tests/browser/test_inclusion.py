"""Digital inclusion in a real browser at phone width: filter the list and the map, open a
place, book an appointment; a mediator logs an accompaniment and sees it on the dashboard."""

from datetime import date, time, timedelta

import pytest

from civicard.core import clock
from civicard.core.permissions import Role
from civicard.inclusion import operations
from civicard.inclusion.models import Goal, Mediator, OfficeHours, Place
from civicard.territory.models import Neighbourhood
from tests.conftest import PASSWORD
from tests.inclusion.conftest import csv_bytes, row


@pytest.fixture
def inclusion_world(territory, make_login, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    settings.CIVICARD_MAP_TILES_URL = ""
    mediator_user = make_login("mediator@example.org", role=Role.MEDIATOR,
                               full_name="Kevin Moulin")
    operations.import_places(source=csv_bytes(
        row(id="open", nom="Open Library", horaires="Mo-Su 00:00-24:00"),
        row(id="closed", nom="Closed Hall", horaires="Mo-Su off", latitude="46.101"),
        row(id="paying", nom="Paying Club", frais_a_charge="Payant",
            horaires="Mo-Su 00:00-24:00", latitude="46.099"),
        row(id="far", nom="Faraway Point", commune="Sudville", code_insee="79002",
            latitude="45.5", longitude="-1.2", horaires="Mo-Su 00:00-24:00"),
    ), territory=territory, actor=mediator_user, at=clock.now())
    mediator = Mediator.objects.create(user=mediator_user, display_name="Kevin Moulin")
    tomorrow = clock.today() + timedelta(days=1)
    OfficeHours.objects.create(mediator=mediator, place=Place.objects.get(standard_id="open"),
                               weekday=tomorrow.weekday(), start_time=time(14),
                               end_time=time(16), valid_from=date(2026, 1, 1))
    hood = Neighbourhood.objects.get(name="Les Tours")
    hood.population = 400
    hood.save()
    goal = Goal.objects.create(territory=territory, name="Goal", percent=10, years=5,
                               start_date=clock.today().replace(day=1))
    goal.neighbourhoods.add(hood)
    return {"mediator": mediator_user, "resident": make_login("amina@example.org",
                                                              full_name="Amina Benali")}


def test_visitor_filters_opens_a_place_and_books(visitor, inclusion_world):
    page = visitor.go("/inclusion/")
    page.check("#id_free")
    page.check("#id_open_now")
    page.select_option("#id_near", label="Centre (Nordville)")
    page.click("#place-filters button[type=submit]")
    visitor.check()
    assert page.locator(".place-list h3").all_inner_texts() == ["Open Library"]
    visitor.screenshot("inclusion-list")

    page.click("text=See on a map")
    visitor.check()
    page.wait_for_selector("#place-map[data-loaded]")
    assert page.locator("#place-map").get_attribute("data-loaded") == "1"
    assert page.locator(".leaflet-marker-icon").count() == 1
    visitor.screenshot("inclusion-map")
    page.click(".leaflet-marker-icon")
    assert "A digital mediator holds office hours here." in page.locator(
        ".leaflet-popup-content").inner_text()
    page.click(".leaflet-popup-content a")
    visitor.check()
    assert page.locator("h1").inner_text() == "Open Library"
    assert page.locator(".hours-today").inner_text().startswith("Open now\nToday: All day")
    visitor.screenshot("inclusion-place")

    visitor.log_in("amina@example.org", PASSWORD)
    page = visitor.go("/inclusion/")
    page.click("text=Open Library")
    visitor.check()
    page.click("text=Book an appointment >> nth=0")
    visitor.check()
    visitor.screenshot("inclusion-book")
    page.locator("input[name=slot]").first.check()
    page.fill("#id_topic", "CAF form")
    page.click("text=Book this time")
    visitor.check()
    assert "Your appointment is booked" in page.locator(".messages").inner_text()
    assert "Open Library" in page.locator(".card-list").inner_text()
    visitor.screenshot("inclusion-my-appointments")


def test_mediator_logs_and_sees_the_dashboard(visitor, inclusion_world):
    visitor.log_in("mediator@example.org", PASSWORD)
    page = visitor.go("/inclusion/mediator/")
    visitor.screenshot("inclusion-mediator")
    page.click("text=Record an accompaniment")
    visitor.check()
    page.select_option("#id_place", label="Open Library")
    page.fill("#id_duration_minutes", "40")
    page.check("text=Help with online forms and public services")
    page.fill("#id_first_name", "Odette")
    page.fill("#id_family_name", "Texier")
    page.fill("#id_birth_year", "1948")
    page.select_option("#id_age_bracket", "75+")
    page.select_option("#id_neighbourhood", label="Les Tours (Nordville)")
    visitor.screenshot("inclusion-log")
    page.click("main form button[type=submit]")
    visitor.check()
    assert "The accompaniment was recorded." in page.locator(".messages").inner_text()
    assert "Open Library" in page.locator(".table-scroll").inner_text()
    visitor.screenshot("inclusion-mediator-after-log")
    page = visitor.go("/inclusion/dashboard/")
    assert "1 person accompanied out of a target of 40" in page.locator("main").inner_text()
    visitor.screenshot("inclusion-dashboard")


def test_the_map_clusters_many_places_and_loads_what_it_shows(visitor, inclusion_world,
                                                              territory):
    import random

    from django.utils import timezone

    rng, now = random.Random(3), timezone.now()
    Place.objects.bulk_create([Place(
        territory=territory, standard_id=f"many-{n}", pivot="12345678900012", nom=f"Lieu {n}",
        commune="Nordville", code_postal="79200", code_insee="79001", adresse=f"{n} rue",
        latitude=46.1 + rng.uniform(-0.2, 0.2), longitude=-0.2 + rng.uniform(-0.3, 0.3),
        horaires="", date_maj=date(2026, 1, 1), services="Aide aux démarches administratives",
        frais_a_charge="Gratuit", presentation_resume="Aide.", updated_at=now)
        for n in range(800)])
    page = visitor.go("/inclusion/map/")
    page.wait_for_selector("#place-map[data-loaded] .place-cluster")
    page.wait_for_timeout(600)  # the reload for the fitted view
    page.wait_for_load_state("networkidle")
    assert page.locator("#map-count").inner_text() == "Places shown on the map: 804"
    visitor.screenshot("inclusion-map-clusters")
    with page.expect_response(lambda r: "bbox=" in r.url and "zoom=" in r.url) as answer:
        page.locator(".place-cluster").first.click()
    assert answer.value.status == 200
    data = answer.value.json()
    assert sum(f["properties"].get("count", 1) for f in data["features"]) == data["total"]
    visitor.check()
