"""The national "schéma des lieux de médiation numérique" (v1.0.2): reading and writing CSV rows.

Validation is frictionless against the official `schema.json` (shipped in `standard/`); this
module only turns its findings into plain words and checks what a Table Schema cannot say
(that `horaires` is valid OpenStreetMap `opening_hours` syntax)."""

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from civicard.core import opening_hours, spreadsheets

STANDARD_DIR = Path(__file__).resolve().parent / "standard"
SCHEMA_PATH = STANDARD_DIR / "schema.json"
OFFICIAL_EXAMPLE = STANDARD_DIR / "exemple-valide.csv"
SEPARATOR = "|"


@cache
def schema_descriptor() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def field_names() -> list[str]:
    return [item["name"] for item in schema_descriptor()["fields"]]


@cache
def required_fields() -> list[str]:
    return [item["name"] for item in schema_descriptor()["fields"]
            if item.get("constraints", {}).get("required")]


def _enumeration(pattern: str) -> list[str] | None:
    """The allowed values of a multi-value field, read from its pattern
    `(?:(?:^|\\|)(A|B|C))+$`."""
    prefix, suffix = "(?:(?:^|\\|)(", "))+$"
    if not (pattern.startswith(prefix) and pattern.endswith(suffix)):
        return None
    inner = pattern[len(prefix):-len(suffix)]
    return [re.sub(r"\\(.)", r"\1", value) for value in re.split(r"(?<!\\)\|", inner)]


@cache
def enumerations() -> dict[str, list[str]]:
    found = {}
    for item in schema_descriptor()["fields"]:
        values = _enumeration(item.get("constraints", {}).get("pattern", ""))
        if values:
            found[item["name"]] = values
    return found


def services() -> list[str]:
    return enumerations()["services"]


def publics() -> list[str]:
    return enumerations()["publics_specifiquement_adresses"]


# --- plain-words problems -------------------------------------------------------------------

FORMAT_HINTS = {
    "pivot": _("Write the SIRET, RNA or RIDET number: 9 to 14 letters or digits, no spaces."),
    "code_postal": _("Write the postal code with 5 digits, e.g. 79200."),
    "code_insee": _("Write the 5-character INSEE code of the commune, e.g. 79901."),
    "telephone": _("Write the phone number in international form without spaces, "
                   "e.g. +33549001122."),
    "itinerance": _("Write Fixe or Itinérant."),
}


@dataclass
class RowProblem:
    line: int | None
    field: str
    message: str

    def text(self) -> str:
        if self.line is None:
            return str(self.message)
        return str(_("Line %(line)s, column “%(field)s”: %(message)s")
                   % {"line": self.line, "field": self.field, "message": self.message})


@dataclass
class ReadResult:
    rows: list[tuple[int, dict]] = field(default_factory=list)  # (line, typed values)
    problems: list[RowProblem] = field(default_factory=list)
    file_problem: str = ""
    rows_seen: int = 0

    @property
    def invalid_lines(self) -> set[int]:
        return {problem.line for problem in self.problems if problem.line is not None}


def _cell_message(name: str, kind: str, note: str, value) -> str:
    if kind in {"missing-cell"} or (kind == "constraint-error" and '"required"' in note):
        return str(_("this column is required and is empty."))
    if kind == "type-error":
        if name == "date_maj":
            return str(_("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2024-04-02.")
                       % {"value": value})
        return str(_("“%(value)s” is not a number; write it with a dot, e.g. 46.64780.")
                   % {"value": value})
    if kind in {"unique-error", "primary-key"}:
        return str(_("the identifier “%(value)s” is used on an earlier line.")
                   % {"value": value})
    if kind == "constraint-error" and "maxLength" in note:
        return str(_("this text is too long (at most 280 characters)."))
    if kind == "constraint-error" and "pattern" in note:
        allowed = enumerations().get(name)
        if allowed:
            unknown = [part for part in str(value).split(SEPARATOR) if part not in allowed]
            return str(_("“%(value)s” is not one of the allowed values: %(allowed)s. "
                         "Separate several values with |.")
                       % {"value": SEPARATOR.join(unknown) or value,
                          "allowed": ", ".join(allowed)})
        hint = FORMAT_HINTS.get(name, _("the value does not have the expected form."))
        return str(_("“%(value)s” is not accepted. %(hint)s") % {"value": value, "hint": hint})
    if kind == "extra-cell":
        return str(_("this line has more cells than the header."))
    return str(_("the value “%(value)s” is not accepted.") % {"value": value})


def decode(content: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed) or ValueError with a plain-words reason."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(_not_utf8(content[: error.start].count(b"\n") + 1)) from None


def _not_utf8(line: int) -> str:
    return str(_(
        "The file is not in UTF-8 (problem on line %(line)s). In your spreadsheet, save it "
        "as “CSV UTF-8 (comma-separated)” and try again.") % {"line": line})


def _first_line(source: bytes | Path) -> str:
    """The header line of a file given as bytes or as a path; a path is checked to be UTF-8
    a block at a time, so that a large file is never held in memory."""
    if isinstance(source, bytes):
        return decode(source).split("\n", 1)[0]
    decoder, line = codecs.getincrementaldecoder("utf-8-sig")(), 1
    with open(source, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                raise ValueError(_not_utf8(line + block[: error.start].count(b"\n"))) from None
            line += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ValueError(_not_utf8(line)) from None
    with open(source, encoding="utf-8-sig") as handle:
        return handle.readline().rstrip("\r\n")


def _header_problem(first_line: str) -> str:
    """Why the header line cannot be read as the standard's, or ""."""
    if not first_line.strip():
        return str(_("The file is empty."))
    try:
        header = next(csv.reader(io.StringIO(first_line)))
    except csv.Error:
        header = []
    header = [name.strip() for name in header]
    missing = [name for name in required_fields() if name not in header]
    if missing:
        if ";" in first_line or "\t" in first_line:
            return str(_(
                "The columns must be separated by commas (,). This file seems to use "
                "semicolons or tabs: save it again as “CSV UTF-8 (comma-separated)”."))
        return str(_(
            "The first line must name the columns of the national standard. These "
            "required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)})
    unknown = [name for name in header if name not in field_names()]
    if unknown:
        return str(_(
            "These columns are not in the national standard: %(columns)s. Check their "
            "spelling.") % {"columns": ", ".join(unknown)})
    return ""


def read(content: bytes) -> ReadResult:
    """Validate a small file held in memory (a proposal): its valid rows in `rows`."""
    result = ReadResult()
    result.rows = list(valid_rows(content, result))
    return result


def valid_rows(source: bytes | Path, result: ReadResult) -> Iterator[tuple[int, dict]]:
    """Validate a CSV file (bytes, or a path read as it goes) against the national schema,
    row by row, yielding (line, values) of each valid row; the count of rows, each row's
    problems and any problem with the whole file are written to `result` as they are met."""
    from frictionless import Detector, Dialect, FrictionlessException, Resource, Schema, formats

    try:
        result.file_problem = _header_problem(_first_line(source))
    except ValueError as error:
        result.file_problem = str(error)
    if result.file_problem:
        return
    resource = Resource(
        source if isinstance(source, bytes) else str(source), format="csv", encoding="utf-8",
        schema=Schema.from_descriptor(schema_descriptor()),
        dialect=Dialect(controls=[formats.CsvControl(delimiter=",")]),
        detector=Detector(schema_sync=True),
    )
    try:
        with resource:
            for row in resource.row_stream:
                result.rows_seen += 1
                line, values = row.row_number, row.to_dict()
                found = _row_problems(line, row.errors, values)
                result.problems.extend(found)
                if not found:
                    yield line, values
    except FrictionlessException as error:
        result.file_problem = str(_("The file could not be read as CSV: %(reason)s")
                                  % {"reason": str(error)[:200]})


def _row_problems(line: int, errors, values: dict) -> list[RowProblem]:
    """One problem per field of a row, in plain words."""
    found = []
    for error in errors:
        name = getattr(error, "field_name", "") or ""
        if error.type == "blank-row":
            found.append(RowProblem(line, "", str(_("the line is empty."))))
            continue
        if error.type == "primary-key":
            name = "id"
        if any(problem.field == name for problem in found):
            continue
        cell = getattr(error, "cell", None)
        if cell is None and name:
            cell = values.get(name)
        found.append(RowProblem(line, name, _cell_message(
            name, error.type, getattr(error, "note", ""), cell if cell is not None else "")))
    horaires_problem = opening_hours.problem(values.get("horaires") or "")
    if horaires_problem and not any(problem.field == "horaires" for problem in found):
        found.append(RowProblem(line, "horaires", horaires_problem))
    return found


# --- writing ---------------------------------------------------------------------------------

def format_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_lines(rows):
    """Rows (standard field → value) as the lines of a CSV file in the standard's column order."""
    return spreadsheets.csv_lines(
        field_names(), ([format_value(row.get(name)) for name in field_names()] for row in rows),
        lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def to_csv(rows: list[dict]) -> str:
    return "".join(csv_lines(rows))


# --- the standard's values in the reader's language ----------------------------------------

LABELS = {
    "Aide aux démarches administratives": _("Help with online forms and public services"),
    "Maîtrise des outils numériques du quotidien": _("Using a computer, a phone, e-mail"),
    "Insertion professionnelle via le numérique": _("Finding a job online, writing a CV"),
    "Utilisation sécurisée du numérique": _("Staying safe online"),
    "Parentalité et éducation avec le numérique": _("Children, school and screens"),
    "Loisirs et créations numériques": _("Leisure and creating with digital tools"),
    "Compréhension du monde numérique": _("Understanding the digital world"),
    "Accès internet et matériel informatique": _("Free internet access and computers"),
    "Acquisition de matériel informatique à prix solidaire":
        _("Buying a cheap computer or phone"),
    "Jeunes": _("Young people"),
    "Étudiants": _("Students"),
    "Familles et/ou enfants": _("Families and children"),
    "Seniors": _("Older people"),
    "Femmes": _("Women"),
    "Gratuit": _("Free"),
    "Gratuit sous condition": _("Free under conditions"),
    "Payant": _("Paying"),
    "Se présenter": _("Just come"),
    "Téléphoner": _("Call first"),
    "Contacter par mail": _("Send an e-mail first"),
    "Prendre un RDV en ligne": _("Book online"),
    "Ce lieu n'accueille pas de public": _("This place does not receive the public"),
    "Envoyer un mail avec une fiche de prescription": _("Sent by a social worker"),
    "Surdité": _("Deaf people"),
    "Handicaps moteurs": _("Physical disabilities"),
    "Handicaps mentaux": _("Mental disabilities"),
    "Illettrisme": _("People who do not read well"),
    "Langues étrangères (anglais)": _("English spoken"),
    "Langues étrangères (autres)": _("Other languages spoken"),
    "Déficience visuelle": _("Blind and partially sighted people"),
    "En autonomie": _("On your own, with help nearby"),
    "Accompagnement individuel": _("One-to-one help"),
    "Dans un atelier collectif": _("Group workshops"),
    "À distance": _("Remote help"),
}


def label(value: str) -> str:
    """A standard value in plain words in the current language."""
    return str(LABELS.get(value, value))


def labels(raw: str) -> list[str]:
    return [label(value) for value in raw.split(SEPARATOR) if value] if raw else []
