"""Conformance with the national standard: import, export, round trip, invalid rows."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from frictionless import Resource, Schema

from civicard.inclusion import operations, standard
from civicard.inclusion.models import Place, PlaceVersion
from tests.inclusion.conftest import AT, csv_bytes, row


def validate_with_frictionless(content: bytes):
    resource = Resource(content, format="csv", encoding="utf-8",
                        schema=Schema.from_descriptor(standard.schema_descriptor()))
    return resource.validate()


def snapshot():
    return sorted((p.standard_id, tuple(sorted(operations.place_row(p).items())))
                  for p in Place.objects.all())


def test_official_example_imports_and_exports_valid(territory, validator, client):
    content = standard.OFFICIAL_EXAMPLE.read_bytes()
    report = operations.import_places(source=content, territory=territory, actor=validator,
                                      at=AT)
    assert report.problems == [] and report.file_problem == ""
    assert report.created == ["structure-1"]
    exported = client.get("/api/inclusion/places.csv")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/csv")
    body = exported.getvalue()
    validation = validate_with_frictionless(body)
    assert validation.valid, validation.flatten(["rowNumber", "fieldName", "type"])
    # Round trip: every field of the official example comes back identical.
    original = Resource(content, format="csv", encoding="utf-8",
                        schema=Schema.from_descriptor(standard.schema_descriptor())).read_rows()
    back = Resource(body, format="csv", encoding="utf-8",
                    schema=Schema.from_descriptor(standard.schema_descriptor())).read_rows()
    assert [r.to_dict() for r in back] == [r.to_dict() for r in original]


def test_json_export_is_valid_against_the_schema(territory, validator, client, place):
    response = client.get("/api/inclusion/places.json")
    assert response.status_code == 200
    rows = response.json()
    assert [item["id"] for item in rows] == ["lieu-1"]
    assert set(rows[0]) == set(standard.field_names())
    resource = Resource(rows, schema=Schema.from_descriptor(standard.schema_descriptor()))
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])


def test_reimport_changes_nothing(territory, validator, place):
    before = snapshot()
    versions = PlaceVersion.objects.count()
    report = operations.import_places(source=csv_bytes(row()), territory=territory,
                                      actor=validator, at=AT)
    assert (report.created, report.updated, report.unchanged) == ([], [], ["lieu-1"])
    assert snapshot() == before
    assert PlaceVersion.objects.count() == versions


def test_update_by_id_keeps_extras_and_writes_history(territory, validator, place):
    Place.objects.filter(pk=place.pk).update(accepts_pass_numerique=True)
    report = operations.import_places(source=csv_bytes(row(nom="Médiathèque rénovée")),
                                      territory=territory, actor=validator, at=AT)
    assert report.updated == ["lieu-1"]
    place.refresh_from_db()
    assert place.nom == "Médiathèque rénovée"
    assert place.accepts_pass_numerique is True
    assert place.neighbourhood.name == "Centre"
    assert [v.data["nom"] for v in place.versions.all()] == ["Médiathèque rénovée",
                                                             "Médiathèque du Centre"]


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"code_postal": "7900"}, "code_postal", "5 digits"),
    ({"telephone": "05 49 00 00 00"}, "telephone", "international form"),
    ({"services": "Aide aux démarches administratives|Cours de cuisine"}, "services",
     "“Cours de cuisine” is not one of the allowed values"),
    ({"frais_a_charge": "Gratos"}, "frais_a_charge", "not one of the allowed values"),
    ({"nom": ""}, "nom", "required"),
    ({"date_maj": "15/01/2026"}, "date_maj", "YYYY-MM-DD"),
    ({"horaires": "Lundi 9h-12h"}, "horaires", "OpenStreetMap opening hours"),
])
def test_invalid_rows_are_reported_with_line_and_field_and_not_imported(
        territory, validator, place, overrides, field, words):
    before = snapshot()
    content = csv_bytes(row(nom="Changed but valid"), row(id="lieu-2", **overrides))
    report = operations.import_places(source=content, territory=territory, actor=validator,
                                      at=AT, dry_run=True)
    assert [(p.line, p.field) for p in report.problems] == [(3, field)]
    assert words in report.problems[0].message
    assert snapshot() == before  # dry run: nothing changes
    report = operations.import_places(source=content, territory=territory, actor=validator,
                                      at=AT)
    assert [(p.line, p.field) for p in report.problems] == [(3, field)]
    assert report.updated == ["lieu-1"] and report.created == []
    assert list(Place.objects.values_list("standard_id", "nom")) == [
        ("lieu-1", "Changed but valid")]


def test_duplicate_id_in_file_is_reported(territory, validator):
    report = operations.import_places(source=csv_bytes(row(), row(nom="Twin")),
                                      territory=territory, actor=validator, at=AT)
    assert [(p.line, p.field) for p in report.problems] == [(3, "id")]
    assert Place.objects.get().nom == "Médiathèque du Centre"


def test_semicolon_file_gets_a_clear_message(territory, validator):
    content = csv_bytes(row()).decode().replace(",", ";").encode()
    report = operations.import_places(source=content, territory=territory, actor=validator,
                                      at=AT)
    assert "separated by commas" in report.file_problem
    assert not Place.objects.exists()


def test_latin1_file_gets_a_clear_message(territory, validator):
    content = csv_bytes(row()).decode().encode("latin-1")
    report = operations.import_places(source=content, territory=territory, actor=validator,
                                      at=AT)
    assert "not in UTF-8" in report.file_problem
    assert not Place.objects.exists()


def test_command_dry_run_and_errors(territory, tmp_path):
    path = tmp_path / "places.csv"
    path.write_bytes(csv_bytes(row(), row(id="lieu-2", code_postal="1")))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 line"):
        call_command("import_places", str(path), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue()
    assert "Line 3, column “code_postal”" in out.getvalue()
    assert not Place.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_places", str(path), stdout=io.StringIO())
    assert list(Place.objects.values_list("standard_id", flat=True)) == ["lieu-1"]
    path.write_bytes(b"\xff\xfe garbage")
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_places", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Cannot open"):
        call_command("import_places", str(tmp_path / "missing.csv"), stdout=io.StringIO())


def test_geojson(territory, validator, client, place):
    data = client.get("/api/inclusion/places.geojson").json()
    assert data["type"] == "FeatureCollection"
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.2, 46.1]}
    assert feature["properties"]["nom"] == "Médiathèque du Centre"
    assert feature["id"] == place.pk
    assert json.dumps(data)


def test_large_files_are_imported_in_batches(territory, validator, place, monkeypatch):
    """Rows are looked up and written a batch at a time (PostgreSQL refuses a statement with
    more than 65,535 parameters); a place met in an earlier batch is found again."""
    monkeypatch.setattr(operations, "IMPORT_BATCH", 2)
    rows = [row(id=f"lieu-{n}", nom=f"Lieu {n}") for n in range(2, 7)]
    rows.insert(3, row(id="lieu-1", nom="Médiathèque renommée"))
    report = operations.import_places(source=csv_bytes(*rows), territory=territory,
                                      actor=validator, at=AT)
    assert (sorted(report.created), report.updated) == (
        [f"lieu-{n}" for n in range(2, 7)], ["lieu-1"])
    assert Place.objects.count() == 6
    assert Place.objects.get(standard_id="lieu-1").nom == "Médiathèque renommée"
