import io

import pymarc
import pytest

from civicard.library import catalogue
from civicard.library.models import ItemKind, Title

from .conftest import AT


def _marcxml(*records):
    out = io.BytesIO()
    writer = pymarc.XMLWriter(out)
    for record in records:
        writer.write(record)
    writer.close(close_fh=False)
    return io.BytesIO(out.getvalue())


def _game(record_id, title):
    record = pymarc.Record(force_utf8=True, leader="     nrm  22     3  4500")
    record.add_field(pymarc.Field(tag="001", data=record_id))
    if title:
        record.add_field(pymarc.Field(tag="245", indicators=["0", "0"], subfields=[
            pymarc.Subfield("a", title), pymarc.Subfield("b", "jeu de plateau")]))
    record.add_field(pymarc.Field(tag="952", indicators=[" ", " "], subfields=[
        pymarc.Subfield("a", "centre"), pymarc.Subfield("p", f"G{record_id}")]))
    return record


def test_marcxml_is_read_record_by_record():
    parsed = list(catalogue.read_marc(_marcxml(_game("1", "Carcassonne"), _game("2", ""))))
    assert [(r.number, r.record_id, r.title, r.kind, r.error) for r in parsed] == [
        (1, "1", "Carcassonne : jeu de plateau", ItemKind.GAME, None),
        (2, "2", "", ItemKind.GAME, ("245$a", "The record has no title."))]
    assert [(i.barcode, i.branch_code) for i in parsed[0].items] == [("G1", "centre")]


def test_a_record_not_in_utf8_is_reported_and_the_next_one_read():
    good = _game("2", "Dixit").as_marc()
    bad = _game("1", "Jeu de l'oie").as_marc().replace(b"oie", b"\xe9t\xe9")  # Latin-1
    parsed = list(catalogue.read_marc(io.BytesIO(bad + good)))
    assert [(r.number, r.error[0] if r.error else None) for r in parsed] == [
        (1, "leader"), (2, None)]
    assert parsed[0].error[1].startswith("The record cannot be read (truncated, or not in UTF-8)")


@pytest.mark.django_db
def test_all_or_nothing_writes_nothing_when_one_record_is_bad(library, centre):
    records = catalogue.read_marc(_marcxml(_game("1", "Carcassonne"), _game("2", "")))
    with pytest.raises(catalogue.ImportRefused) as refused:
        catalogue.import_records(library=library, records=records, default_branch=centre,
                                 all_or_nothing=True, at=AT)
    assert refused.value.report.error_count == 1
    assert Title.objects.count() == 0


def test_search_text_ignores_accents_case_and_dashes():
    title = Title(title="L'Étranger", author="Camus, Albert", isbn="978-2-07-036002-4")
    assert catalogue.search_text(title) == "l etranger camus albert 9782070360024"
