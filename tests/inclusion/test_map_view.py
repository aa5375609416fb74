"""The map's GeoJSON holds only what the map shows: the places inside the box, exactly; grid
clusters whose counts add up to the places in the box when there are many; a bounded size."""

import gzip
import json
import random
from datetime import date

import pytest
from django.utils import timezone

from civicard.inclusion import queries
from civicard.inclusion.models import Place
from civicard.inclusion.queries import POINTS_MAX, Box, PlaceFilters

URL = "/api/inclusion/places.geojson"


def _places(territory, count, seed=7):
    rng, now = random.Random(seed), timezone.now()
    Place.objects.bulk_create([Place(
        territory=territory, standard_id=f"map-{n}", pivot="12345678900012", nom=f"Lieu {n}",
        commune="Test", code_postal="79200", code_insee="79001", adresse=f"{n} rue",
        latitude=46 + rng.uniform(0, 1), longitude=-1 + rng.uniform(0, 1), horaires="",
        date_maj=date(2026, 1, 1), services="Aide aux démarches administratives",
        frais_a_charge="Gratuit", presentation_resume="Aide.", updated_at=now)
        for n in range(count)], batch_size=1000)
    return list(Place.objects.filter(standard_id__startswith="map-")
                .values_list("pk", "latitude", "longitude"))


def _inside(rows, west, south, east, north):
    return {pk for pk, lat, lon in rows if south <= lat <= north and west <= lon <= east}


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_small_box_sends_exactly_its_places(territory, client, seed):
    rows = _places(territory, 400)
    rng = random.Random(seed)
    west, south = -1 + rng.uniform(0, 0.6), 46 + rng.uniform(0, 0.6)
    east, north = west + 0.25, south + 0.25
    data = client.get(URL, {"bbox": f"{west},{south},{east},{north}", "zoom": "13"}).json()
    expected = _inside(rows, west, south, east, north)
    assert len(expected) <= POINTS_MAX
    assert {f["id"] for f in data["features"]} == expected
    assert data["total"] == len(expected)
    assert all("count" not in f["properties"] for f in data["features"])


@pytest.mark.django_db
@pytest.mark.parametrize("zoom", ["", "3", "9", "12", "20"])
def test_clusters_add_up_to_the_places_in_the_box(territory, client, zoom):
    rows = _places(territory, 2_000)
    west, south, east, north = -0.9, 46.05, -0.1, 46.9
    data = client.get(URL, {"bbox": f"{west},{south},{east},{north}", "zoom": zoom}).json()
    expected = _inside(rows, west, south, east, north)
    assert len(expected) > POINTS_MAX
    counts = [f["properties"].get("count", 1) for f in data["features"]]
    assert sum(counts) == data["total"] == len(expected)
    assert max(counts) > 1
    singles = {f["id"] for f in data["features"] if "count" not in f["properties"]}
    assert singles <= expected
    assert len(data["features"]) <= (queries.GRID_MAX + 1) ** 2
    for feature in data["features"]:  # a cluster sits inside the box, at its places' mean
        lon, lat = feature["geometry"]["coordinates"]
        assert west - 1e-5 <= lon <= east + 1e-5 and south - 1e-5 <= lat <= north + 1e-5


@pytest.mark.django_db
def test_ten_thousand_places_stay_under_100_kb_compressed(territory, client):
    _places(territory, 10_000)
    for params in ({}, {"bbox": "-180,-90,180,90", "zoom": "20"},
                   {"bbox": "-1,46,0,47", "zoom": "9"}, {"bbox": "-0.6,46.4,-0.4,46.6",
                                                        "zoom": "14"}):
        body = client.get(URL, params).content
        data = json.loads(body)
        assert data["total"] >= 300, params
        assert len(gzip.compress(body)) <= 100_000, params
        assert len(body) <= 100_000, params


@pytest.mark.django_db
@pytest.mark.parametrize("bbox, zoom", [("1,2,3", ""), ("a,b,c,d", ""), ("3,0,1,1", ""),
                                        ("0,0,1,1", "x"), ("0,0,1,1", "30"),
                                        ("-200,0,1,1", "")])
def test_a_bad_box_is_refused_with_a_code(territory, client, bbox, zoom):
    response = client.get(URL, {"bbox": bbox, "zoom": zoom})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert "bbox" in response.json()["fields"]


@pytest.mark.django_db
def test_filters_apply_inside_the_box(territory):
    rows = _places(territory, 50)
    Place.objects.filter(pk__in=[pk for pk, _a, _o in rows[:20]]).update(
        accepts_pass_numerique=True)
    data = queries.geojson(territory, PlaceFilters(pass_numerique=True),
                           at=timezone.now(), box=Box(-1, 46, 0, 47, 12))
    assert {f["id"] for f in data["features"]} == {pk for pk, _a, _o in rows[:20]}


@pytest.mark.django_db
@pytest.mark.parametrize("box", [Box(-0.9, 46.1, -0.7, 46.3, 13), Box(-1, 46, 0, 47, 9), None])
def test_open_now_counted_in_python_agrees_with_the_database(territory, box):
    """"Open now" is evaluated in Python, the other filters in the database: with every place
    open, both ways give the same places, the same total and the same sum of clusters."""
    _places(territory, 1_000)
    Place.objects.update(horaires="Mo-Su 00:00-24:00")
    by_database = queries.geojson(territory, PlaceFilters(), at=timezone.now(), box=box)
    in_python = queries.geojson(territory, PlaceFilters(open_now=True), at=timezone.now(),
                                box=box)
    assert in_python["total"] == by_database["total"] > 0
    for data in (by_database, in_python):
        assert sum(f["properties"].get("count", 1) for f in data["features"]) == data["total"]
    if by_database["total"] <= POINTS_MAX:
        assert in_python["features"] == by_database["features"]
