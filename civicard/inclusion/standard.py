"""The national "schéma des lieux de médiation numérique" (v1.0.2): reading and writing CSV rows.

Validation is frictionless against the official `schema.json` (shipped in `standard/`); this
module only turns its findings into plain words and checks what a Table Schema cannot say
(that `horaires` is valid OpenStreetMap `opening_hours` syntax)."""

import csv
import io
import json
import re
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
        line = content[: error.start].count(b"\n") + 1
        raise ValueError(str(_(
            "The file is not in UTF-8 (problem on line %(line)s). In your spreadsheet, save it "
            "as “CSV UTF-8 (comma-separated)” and try again.") % {"line": line})) from None


def read(content: bytes) -> ReadResult:
    """Validate a CSV file against the national schema, row by row."""
    from frictionless import Detector, Dialect, FrictionlessException, Resource, Schema, formats

    result = ReadResult()
    try:
        text = decode(content)
    except ValueError as error:
        result.file_problem = str(error)
        return result
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        result.file_problem = str(_("The file is empty."))
        return result
    try:
        header = next(csv.reader(io.StringIO(first_line)))
    except csv.Error:
        header = []
    header = [name.strip() for name in header]
    missing = [name for name in required_fields() if name not in header]
    if missing:
        if ";" in first_line or "\t" in first_line:
            result.file_problem = str(_(
                "The columns must be separated by commas (,). This file seems to use "
                "semicolons or tabs: save it again as “CSV UTF-8 (comma-separated)”."))
        else:
            result.file_problem = str(_(
                "The first line must name the columns of the national standard. These "
                "required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)})
        return result
    unknown = [name for name in header if name not in field_names()]
    if unknown:
        result.file_problem = str(_(
            "These columns are not in the national standard: %(columns)s. Check their "
            "spelling.") % {"columns": ", ".join(unknown)})
        return result

    resource = Resource(
        text.encode("utf-8"), format="csv", encoding="utf-8",
        schema=Schema.from_descriptor(schema_descriptor()),
        dialect=Dialect(controls=[formats.CsvControl(delimiter=",")]),
        detector=Detector(schema_sync=True),
    )
    try:
        with resource:
            for row in resource.row_stream:
                result.rows_seen += 1
                line = row.row_number
                values = row.to_dict()
                bad = False
                for error in row.errors:
                    name = getattr(error, "field_name", "") or ""
                    if error.type == "blank-row":
                        bad = True
                        result.problems.append(RowProblem(line, "", str(_("the line is empty."))))
                        continue
                    if error.type == "primary-key":
                        name = "id"
                    if any(p.line == line and p.field == name for p in result.problems):
                        continue
                    cell = getattr(error, "cell", None)
                    if cell is None and name:
                        cell = values.get(name)
                    result.problems.append(RowProblem(
                        line, name, _cell_message(name, error.type, getattr(error, "note", ""),
                                                  cell if cell is not None else "")))
                    bad = True
                horaires_problem = opening_hours.problem(values.get("horaires") or "")
                if horaires_problem and not any(p.line == line and p.field == "horaires"
                                                for p in result.problems):
                    result.problems.append(RowProblem(line, "horaires", horaires_problem))
                    bad = True
                if not bad:
                    result.rows.append((line, values))
    except FrictionlessException as error:
        result.file_problem = str(_("The file could not be read as CSV: %(reason)s")
                                  % {"reason": str(error)[:200]})
        result.rows = []
    return result


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


def to_csv(rows: list[dict]) -> str:
    """Rows (standard field → value) as a CSV file in the standard's column order."""
    buffer = io.StringIO()
    writer = spreadsheets.SafeWriter(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(field_names())
    for row in rows:
        writer.writerow([format_value(row.get(name)) for name in field_names()])
    return buffer.getvalue()


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
