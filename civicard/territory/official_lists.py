"""The official lists a territory starts from, read and checked line by line:
- communes from INSEE's *Code officiel géographique* file as published (`v_commune_<year>.csv`:
  columns `TYPECOM`, `COM`, `DEP`, `LIBELLE`…), kept by a list of codes or a département;
- neighbourhoods and priority neighbourhoods (QPV) from a CSV with the columns
  `code, name, commune, population, latitude, longitude`: `code` is the official QPV code of a
  priority neighbourhood (QN…) and empty for the others, `commune` the commune's INSEE code,
  `latitude`/`longitude` the centre that maps and the nearest-neighbourhood placement use.
Every problem names its file, line and column."""

import csv
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicard.core.validation import has_control_characters
from civicard.territory.exceptions import NoCommuneSelected, OfficialListInvalid

COMMUNE_CODE = re.compile(r"\d{5}|2[AB]\d{3}")
QPV_CODE = re.compile(r"QN\d{5}[A-Z]?")
MISSING_CODES = gettext_lazy("%(file)s: these INSEE codes are not communes of the list: %(codes)s")
NEIGHBOURHOOD_COLUMNS = ["code", "name", "commune", "population", "latitude", "longitude"]


@dataclass(frozen=True)
class NeighbourhoodRow:
    qpv_code: str
    name: str
    commune_code: str
    population: int | None
    latitude: Decimal
    longitude: Decimal


def _rows(path: str, required: list[str]):
    """(line number, row) of a UTF-8 CSV whose first line names at least `required`."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in required if name not in (reader.fieldnames or [])]
        if missing:
            raise OfficialListInvalid(file=path, line=1, column=", ".join(missing),
                                      problem=_("this column is missing"))
        for row in reader:
            yield reader.line_num, {key: (value or "").strip() for key, value in row.items()
                                    if key is not None}


def _text(path, line, column, value) -> str:
    if not value or has_control_characters(value) or len(value) > 120:
        raise OfficialListInvalid(file=path, line=line, column=column,
                                  problem=_("give a name of 1 to 120 characters"))
    return value


def read_communes(path: str, *, codes: set[str] | None = None,
                  departement: str | None = None) -> list[tuple[str, str]]:
    """(INSEE code, name) of the communes kept: those of `codes`, or of `departement`."""
    kept = []
    for line, row in _rows(path, ["COM", "LIBELLE"]):
        if row.get("TYPECOM", "COM") != "COM":  # arrondissements and former communes
            continue
        code = row["COM"]
        if not ((codes and code in codes) or (departement and row.get("DEP") == departement)):
            continue
        if not COMMUNE_CODE.fullmatch(code):
            raise OfficialListInvalid(file=path, line=line, column="COM",
                                      problem=_("not an INSEE commune code"))
        kept.append((code, _text(path, line, "LIBELLE", row["LIBELLE"])))
    if codes and (missing := codes - {code for code, _name in kept}):
        raise OfficialListInvalid(MISSING_CODES, file=path, codes=", ".join(sorted(missing)))
    if not kept:
        raise NoCommuneSelected()
    return kept


def _decimal(path, line, column, value, limit) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        raise OfficialListInvalid(file=path, line=line, column=column,
                                  problem=_("give a number between -%(limit)s and %(limit)s")
                                  % {"limit": limit})
    return number.quantize(Decimal("0.00001"))


def read_neighbourhoods(path: str, *, commune_codes: set[str]) -> list[NeighbourhoodRow]:
    rows, seen = [], set()
    for line, row in _rows(path, NEIGHBOURHOOD_COLUMNS):
        code, commune = row["code"].upper(), row["commune"]
        if code and not QPV_CODE.fullmatch(code):
            raise OfficialListInvalid(file=path, line=line, column="code",
                                      problem=_("a QPV code looks like QN07901M"))
        if commune not in commune_codes:
            raise OfficialListInvalid(file=path, line=line, column="commune",
                                      problem=_("not one of the territory's communes"))
        name = _text(path, line, "name", row["name"])
        if (commune, name) in seen:
            raise OfficialListInvalid(file=path, line=line, column="name",
                                      problem=_("this commune already has this neighbourhood"))
        seen.add((commune, name))
        population = row["population"]
        if population and not (population.isdigit() and int(population) < 10_000_000):
            raise OfficialListInvalid(file=path, line=line, column="population",
                                      problem=_("give a whole number of residents"))
        rows.append(NeighbourhoodRow(
            qpv_code=code, name=name, commune_code=commune,
            population=int(population) if population else None,
            latitude=_decimal(path, line, "latitude", row["latitude"], 90),
            longitude=_decimal(path, line, "longitude", row["longitude"], 180)))
    return rows
