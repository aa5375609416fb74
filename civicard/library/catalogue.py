"""The catalogue's imports: MARC (ISO 2709 or MARCXML; MARC 21 or UNIMARC, told apart per record)
and CSV, streamed record by record and written in batches, so a file of any size imports in
constant memory. Each bad record is reported with its number and field; `all_or_nothing`
chooses between importing the good records and importing nothing."""

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pymarc
from django.db import transaction
from django.utils.translation import gettext as _

from civicard.core.text import searchable
from civicard.library.exceptions import ImportRefused
from civicard.library.models import Branch, Copy, ItemKind, Library, Title

BATCH = 500
MAX_REPORTED = 200
CSV_COLUMNS = ["record_id", "kind", "title", "author", "publisher", "year", "isbn", "barcode",
               "branch", "pieces"]
# MARC leader position 6 (type of record) → kind of item
LEADER_KINDS = {"a": ItemKind.BOOK, "t": ItemKind.BOOK, "g": ItemKind.DVD, "r": ItemKind.GAME,
                "i": ItemKind.MUSIC, "j": ItemKind.MUSIC}


def search_text(title: Title) -> str:
    """What search compares (`core.text.searchable`: lower case, accents removed, punctuation as
    spaces) of the title, the author and the ISBN without its dashes."""
    return searchable(f"{title.title} {title.author} {title.isbn.replace('-', '')}")


@dataclass
class Item:
    barcode: str
    branch_code: str
    pieces: int | None = None


@dataclass
class Record:
    number: int  # 1 for the file's first record
    record_id: str = ""
    kind: str = ItemKind.BOOK
    title: str = ""
    author: str = ""
    publisher: str = ""
    year: int | None = None
    isbn: str = ""
    items: list[Item] = field(default_factory=list)
    error: tuple[str, str] | None = None  # (field, message) when the record cannot be read


@dataclass
class ImportReport:
    titles: int = 0
    copies: int = 0
    skipped: int = 0  # records whose record number is already in the catalogue
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (record, field, message)
    error_count: int = 0

    def refuse(self, number: int, where: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append((number, where, message))


# MARC -----------------------------------------------------------------------------------------

def _first(record: pymarc.Record, tag: str, code: str) -> str:
    for found in record.get_fields(tag):
        values = found.get_subfields(code)
        if values:
            return values[0].strip(" /:;,.")
    return ""


def _year(text: str) -> int | None:
    digits = "".join(c for c in text if c.isdigit())[:4]
    return int(digits) if len(digits) == 4 and 1000 <= int(digits) <= 2100 else None


def from_marc(number: int, record: pymarc.Record) -> Record:
    unimarc = not record.get_fields("245") and bool(record.get_fields("200"))
    control = record.get_fields("001")
    parsed = Record(number=number, record_id=(control[0].data.strip()[:40] if control else ""),
                    kind=LEADER_KINDS.get(str(record.leader)[6:7], ItemKind.OTHER))
    if unimarc:
        parsed.title = " : ".join(p for p in (_first(record, "200", "a"),
                                              _first(record, "200", "e")) if p)
        surname, forename = _first(record, "700", "a"), _first(record, "700", "b")
        parsed.author = ", ".join(p for p in (surname, forename) if p) or _first(
            record, "200", "f")
        parsed.publisher = _first(record, "210", "c") or _first(record, "214", "c")
        parsed.year = _year(_first(record, "210", "d") or _first(record, "214", "d"))
        parsed.isbn = _first(record, "010", "a")
        items, barcode_code, branch_code = record.get_fields("995"), "f", "b"
        title_tag = "200$a"
    else:
        parsed.title = " : ".join(p for p in (_first(record, "245", "a"),
                                              _first(record, "245", "b")) if p)
        parsed.author = _first(record, "100", "a") or _first(record, "110", "a") or _first(
            record, "700", "a")
        parsed.publisher = _first(record, "264", "b") or _first(record, "260", "b")
        parsed.year = _year(_first(record, "264", "c") or _first(record, "260", "c"))
        parsed.isbn = _first(record, "020", "a")
        items, barcode_code, branch_code = record.get_fields("952"), "p", "a"
        title_tag = "245$a"
    if not parsed.title:
        parsed.error = (title_tag, _("The record has no title."))
    for item in items:
        barcode = (item.get_subfields(barcode_code) or [""])[0].strip()
        if not barcode:
            parsed.error = (f"{item.tag}${barcode_code}", _("An item has no barcode."))
            continue
        parsed.items.append(Item(barcode=barcode,
                                 branch_code=(item.get_subfields(branch_code) or [""])[0].strip()))
    return parsed


def read_marc(stream) -> Iterator[Record]:
    """ISO 2709 (MARC 21 or UNIMARC, UTF-8) or MARCXML, one record at a time."""
    head = stream.read(64)
    stream.seek(0)
    if head.lstrip().startswith(b"<"):
        yield from _read_marcxml(stream)
        return
    reader = pymarc.MARCReader(stream, to_unicode=True, force_utf8=True, utf8_handling="strict",
                               permissive=True)
    for number, record in enumerate(reader, start=1):
        if record is None:
            yield Record(number=number, error=("leader", _(
                "The record cannot be read (truncated, or not in UTF-8): %(error)s") % {
                "error": type(reader.current_exception).__name__}))
            continue
        yield from_marc(number, record)


def _read_marcxml(stream) -> Iterator[Record]:
    from xml.etree.ElementTree import ParseError, iterparse

    handler = pymarc.XmlHandler()
    number = 0
    try:
        for _event, element in iterparse(stream, events=("end",)):
            if element.tag.rsplit("}", 1)[-1] != "record":
                continue
            number += 1
            records: list[pymarc.Record] = []
            handler.process_record = records.append
            pymarc.marcxml.parse_xml(io.BytesIO(_xml_bytes(element)), handler)
            element.clear()
            yield from_marc(number, records[0]) if records else Record(
                number=number, error=("record", _("The record is empty.")))
    except ParseError as error:
        yield Record(number=number + 1, error=("xml", _(
            "The file is cut off or not well formed: %(error)s") % {"error": error}))


def _xml_bytes(element) -> bytes:
    from xml.etree.ElementTree import tostring

    return b'<collection xmlns="http://www.loc.gov/MARC21/slim">' + tostring(element) + \
        b"</collection>"


# CSV ------------------------------------------------------------------------------------------

def read_csv(stream) -> Iterator[Record]:
    """One row per copy (a title without copies: an empty barcode); consecutive rows with the
    same record_id make one title."""
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        missing = [c for c in ("title", "barcode") if c not in (reader.fieldnames or [])]
    except UnicodeDecodeError:
        yield Record(number=1, error=("file", _("The file is not in UTF-8.")))
        return
    if missing:
        yield Record(number=1, error=(missing[0], _("This column is missing.")))
        return
    current: Record | None = None
    try:
        for number, row in enumerate(reader, start=1):
            row = {k: (v or "").strip() for k, v in row.items() if k}
            record_id = row.get("record_id", "")[:40]
            if current is not None and record_id and record_id == current.record_id:
                _add_csv_item(current, row)
                continue
            if current is not None:
                yield current
            current = _csv_record(number, row)
    except UnicodeDecodeError:
        if current is not None:
            yield current
        yield Record(number=(current.number + 1) if current else 1,
                     error=("file", _("The file is not in UTF-8.")))
        return
    if current is not None:
        yield current


def _csv_record(number: int, row: dict) -> Record:
    record = Record(number=number, record_id=row.get("record_id", "")[:40],
                    title=row.get("title", "")[:300], author=row.get("author", "")[:200],
                    publisher=row.get("publisher", "")[:200], isbn=row.get("isbn", "")[:20],
                    year=_year(row.get("year", "")), kind=row.get("kind") or ItemKind.BOOK)
    if record.kind not in ItemKind.values:
        record.error = ("kind", _("Unknown kind: use book, game, dvd, music or other."))
    if not record.title:
        record.error = ("title", _("The record has no title."))
    _add_csv_item(record, row)
    return record


def _add_csv_item(record: Record, row: dict) -> None:
    if not row.get("barcode"):
        return
    pieces = row.get("pieces", "")
    if pieces and not (pieces.isdigit() and 0 < int(pieces) < 10000):
        record.error = ("pieces", _("The number of pieces must be a whole number."))
        return
    record.items.append(Item(barcode=row["barcode"][:40], branch_code=row.get("branch", ""),
                             pieces=int(pieces) if pieces else None))


# Writing --------------------------------------------------------------------------------------

def import_records(*, library: Library, records: Iterable[Record], default_branch: Branch,
                   all_or_nothing: bool, at: datetime) -> ImportReport:
    """Write the records in batches; a record with an error, a duplicate barcode or an unknown
    branch is reported and left out. With `all_or_nothing`, any error writes nothing."""
    report = ImportReport()
    branches = {b.code: b for b in library.branches.all()}
    try:
        with transaction.atomic():
            batch: list[Record] = []
            for record in records:
                batch.append(record)
                if len(batch) >= BATCH:
                    _write(library, batch, branches, default_branch, report, at)
                    batch = []
            _write(library, batch, branches, default_branch, report, at)
            if all_or_nothing and report.error_count:
                raise ImportRefused(count=report.error_count)
    except ImportRefused as refused:
        refused.report = report
        raise
    return report


def _write(library, batch, branches, default_branch, report, at) -> None:
    ids = {r.record_id for r in batch if r.record_id}
    known_ids = set(Title.objects.filter(library=library, record_id__in=ids)
                    .values_list("record_id", flat=True))
    barcodes = [i.barcode for r in batch for i in r.items]
    taken = set(Copy.objects.filter(library=library, barcode__in=barcodes)
                .values_list("barcode", flat=True))
    titles, items = [], []
    for record in batch:
        if record.error:
            report.refuse(record.number, *record.error)
            continue
        if record.record_id in known_ids:
            report.skipped += 1
            continue
        problem = _item_problem(record, taken, branches, default_branch)
        if problem:
            report.refuse(record.number, *problem)
            continue
        if record.record_id:
            known_ids.add(record.record_id)
        title = Title(library=library, kind=record.kind, title=record.title,
                      author=record.author, publisher=record.publisher, year=record.year,
                      isbn=record.isbn, record_id=record.record_id, created_at=at)
        title.search_text = search_text(title)
        titles.append(title)
        items.append(record.items)
    Title.objects.bulk_create(titles)
    copies = [Copy(library=library, title=title, barcode=item.barcode, pieces=item.pieces,
                   branch=branches.get(item.branch_code, default_branch))
              for title, record_items in zip(titles, items, strict=True) for item in record_items]
    Copy.objects.bulk_create(copies)
    report.titles += len(titles)
    report.copies += len(copies)


def _item_problem(record, taken, branches, default_branch) -> tuple[str, str] | None:
    for item in record.items:
        if item.barcode in taken:
            return "barcode", _("The barcode %(barcode)s exists twice.") % {
                "barcode": item.barcode}
        if item.branch_code and item.branch_code not in branches:
            return "branch", _("Unknown branch code: %(code)s.") % {"code": item.branch_code}
        if not item.branch_code and default_branch is None:
            return "branch", _("The item has no branch.")
    taken.update(item.barcode for item in record.items)
    return None
