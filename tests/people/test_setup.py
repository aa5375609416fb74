"""`civicard setup` turns an empty database into a working territory, from INSEE's commune list
as published, a neighbourhoods CSV and a first administrator who must set up TOTP."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from civicard.core.permissions import Role
from civicard.people.models import RoleAssignment, User
from civicard.territory.models import Commune, Neighbourhood, Territory

pytestmark = pytest.mark.django_db

# The head of INSEE's v_commune file, with a commune, an arrondissement-like row and a former
# commune (COMD) that must be skipped.
COG = """TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT
COM,79202,75,79,79D,792,0,PARTHENAY,Parthenay,Parthenay,7913,
COM,79191,75,79,79D,792,0,PAMPROUX,Pamproux,Pamproux,7908,
COM,79329,75,79,79D,792,0,THENEZAY,Thénezay,Thénezay,7914,
COMD,79001,75,79,79D,792,0,ADILLY,Adilly,Adilly,,79202
COM,86194,75,86,86D,862,0,POITIERS,Poitiers,Poitiers,8699,
"""
HOODS = """code,name,commune,population,latitude,longitude
QN07902M,Saint-Paul,79202,1530,46.6490,-0.2470
,Centre-ville,79202,4200,46.6480,-0.2460
,Bourg,79191,,46.4010,-0.0560
"""
PASSWORD = "a long and unusual passphrase 2026"


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("CIVICARD_SETUP_ADMIN_PASSWORD", PASSWORD)
    (tmp_path / "v_commune_2026.csv").write_text(COG, encoding="utf-8")
    (tmp_path / "quartiers.csv").write_text(HOODS, encoding="utf-8")
    return tmp_path


def setup(files, *extra):
    with translation.override("en"):
            call_command("setup", "--no-input", "--name", "Gâtine Agglomération",
                     "--communes", str(files / "v_commune_2026.csv"),
                     "--neighbourhoods", str(files / "quartiers.csv"),
                     "--admin-email", "dsi@gatine.example.org", *extra,
                     stdout=open("/dev/null", "w"))


def test_an_empty_database_becomes_a_territory(files):
    setup(files, "--departement", "79")
    territory = Territory.objects.get()
    assert (territory.name, territory.country, territory.currency, territory.time_zone) == (
        "Gâtine Agglomération", "FR", "EUR", "Europe/Paris")
    assert sorted(Commune.objects.values_list("official_code", "name")) == [
        ("79191", "Pamproux"), ("79202", "Parthenay"), ("79329", "Thénezay")]
    assert sorted(Neighbourhood.objects.values_list(
        "name", "commune__official_code", "is_priority", "qpv_code", "population")) == [
        ("Bourg", "79191", False, "", None), ("Centre-ville", "79202", False, "", 4200),
        ("Saint-Paul", "79202", True, "QN07902M", 1530)]
    admin = User.objects.get()
    assert admin.email == "dsi@gatine.example.org" and admin.check_password(PASSWORD)
    assert list(RoleAssignment.objects.values_list("user__email", "role")) == [
        ("dsi@gatine.example.org", Role.ADMINISTRATOR)]


def test_the_administrator_must_set_up_totp_at_first_login(files, client, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = True
    setup(files, "--codes", "79202,79191")
    response = client.post("/accounts/login/", {"login": "dsi@gatine.example.org",
                                                "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/access/")["Location"] == "/accounts/2fa/totp/activate/"


def test_a_config_file_can_give_everything(files):
    config = files / "territory.toml"
    config.write_text(f'''name = "Bocage"
country = "FR"
communes = "{files / 'v_commune_2026.csv'}"
codes = "79202, 79329"
admin_email = "admin@bocage.example.org"
admin_name = "Claire Admin"
''', encoding="utf-8")
    call_command("setup", "--no-input", "--config", str(config), stdout=open("/dev/null", "w"))
    assert Commune.objects.count() == 2 and Neighbourhood.objects.count() == 0
    assert User.objects.get().person.full_name == "Claire Admin"


@pytest.mark.parametrize("hoods,message", [
    ("code,name,commune\nQN1,X,79202\n", "quartiers.csv, line 1, column population, "
                                          "latitude, longitude: this column is missing"),
    (HOODS.replace("QN07902M", "Q7902"), "quartiers.csv, line 2, column code: a QPV code "
                                         "looks like QN07901M"),
    (HOODS.replace(",79191,", ",86194,"), "quartiers.csv, line 4, column commune: not one "
                                          "of the territory's communes"),
    (HOODS.replace("46.4010", "146.4"), "quartiers.csv, line 4, column latitude: give a "
                                        "number between -90 and 90"),
    (HOODS.replace(",4200,", ",many,"), "quartiers.csv, line 3, column population: give a "
                                        "whole number of residents"),
])
def test_a_bad_line_is_named_and_nothing_is_written(files, hoods, message):
    (files / "quartiers.csv").write_text(hoods, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        setup(files, "--departement", "79")
    assert message in str(refused.value)
    assert (Territory.objects.count(), User.objects.count()) == (0, 0)


def test_unknown_codes_and_a_second_run_are_refused(files):
    with pytest.raises(CommandError) as refused:
        setup(files, "--codes", "79202,79191,99999")
    assert "these INSEE codes are not communes of the list: 99999" in str(refused.value)
    setup(files, "--codes", "79202,79191")
    with pytest.raises(CommandError) as again:
        setup(files, "--departement", "79")
    assert "already serves a territory" in str(again.value)
    assert sorted(Commune.objects.values_list("official_code", flat=True)) == ["79191", "79202"]


def test_a_weak_password_is_refused_before_anything_is_written(files, monkeypatch):
    monkeypatch.setenv("CIVICARD_SETUP_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError) as refused:
        setup(files, "--codes", "79202,79191")
    assert "password" in str(refused.value)
    assert (Territory.objects.count(), User.objects.count()) == (0, 0)


def test_after_setup_places_can_be_imported(files):
    from tests.inclusion.conftest import csv_bytes, row

    setup(files, "--codes", "79202,79191")
    places = files / "lieux.csv"
    places.write_bytes(csv_bytes(row(commune="Parthenay", code_insee="79202",
                                     code_postal="79200")))
    out = Path(files / "out.txt")
    with translation.override("en"):
        call_command("import_places", str(places), stdout=out.open("w"))
    assert "New places: 1." in out.read_text()
