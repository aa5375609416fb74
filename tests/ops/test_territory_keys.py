from django.core.management import call_command

from civicard.ops.territory_keys import table_keys


def test_each_table_s_way_to_the_territory_is_derived_from_its_foreign_keys():
    keys = {key.table: key for key in table_keys()}
    assert keys["territory_territory"].kind == "the territory"
    assert (keys["territory_commune"].kind, keys["territory_commune"].path) == (
        "direct", ("territory",))
    assert keys["territory_address"].path == ("neighbourhood", "commune", "territory")
    assert (keys["wallets_ledgerentry"].path, keys["wallets_ledgerentry"].nullable) == (
        ("account", "household", "territory"), False)
    assert keys["access_decision"].nullable is True  # a door decision may have no household
    assert keys["people_person"].kind == "none" and keys["people_person"].path == ()
    assert keys["django_session"].kind == "none"


def test_the_command_prints_one_line_a_table_and_the_counts(capsys):
    call_command("territory_keys")
    out = capsys.readouterr().out.splitlines()
    tables = len(table_keys())
    assert len([line for line in out if line.startswith("| `")]) == tables
    assert out[-1].startswith(f"{tables} tables: ")
