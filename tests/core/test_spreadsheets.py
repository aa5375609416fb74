"""CSV exports never hand a spreadsheet a formula, and keep numbers and phone numbers."""

import csv
import io
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicard.core.spreadsheets import csv_lines, csv_response, safe_cell
from civicard.inclusion import standard


@pytest.mark.parametrize("cell,written", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-12.50", "-12.50"), ("+3,5", "+3,5"), ("-7", "-7"),
    ("+33549000000", "+33549000000"),
    ("Médiathèque = savoir", "Médiathèque = savoir"), ("", ""),
    (-1250, -1250), (None, None),
])
def test_a_cell_that_would_run_is_neutralised(cell, written):
    assert safe_cell(cell) == written


@given(st.lists(st.one_of(st.text(), st.integers()), max_size=6))
def test_no_written_cell_starts_like_a_formula_unless_it_is_a_number_or_a_phone(row):
    (line,) = csv_lines(row, [])
    for cell in next(csv.reader(io.StringIO(line))) if row else []:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            assert cell.lstrip("+-").replace(".", "").replace(",", "").isdigit()


def test_the_public_places_file_neutralises_a_formula_name():
    text = standard.to_csv([{"id": "p1", "nom": "=HYPERLINK(\"http://evil\")",
                             "telephone": "+33549000000"}])
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["nom"], row["telephone"]) == ("'=HYPERLINK(\"http://evil\")", "+33549000000")


def test_a_download_is_written_while_it_is_sent_not_held_whole():
    endless = ([n, f"=cell {n}"] for n in itertools.count())
    response = csv_response("endless.csv", csv_lines(["n", "text"], endless))
    first = list(itertools.islice(response.streaming_content, 3))
    assert first == [b"n,text\r\n", b"0,'=cell 0\r\n", b"1,'=cell 1\r\n"]
    assert response["Content-Disposition"] == 'attachment; filename="endless.csv"'
