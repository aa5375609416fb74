"""CSV files that a spreadsheet opens safely. A text cell that a spreadsheet would run as a
formula (starting with =, +, -, @, a tab or a carriage return) is written with a leading
apostrophe, which spreadsheets show as text. Plain numbers ("-12.50") and E.164 phone numbers
("+33549000000", which the national standard of places requires) are left as they are."""

import csv
import re
from collections.abc import Iterable

from django.http import StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
E164_PHONE = re.compile(r"\+[1-9]\d{6,14}")


def safe_cell(value):
    if (not isinstance(value, str) or not value.startswith(FORMULA_STARTS)
            or PLAIN_NUMBER.fullmatch(value) or E164_PHONE.fullmatch(value)):
        return value
    return "'" + value


class _Line:
    """A file that hands back what the csv writer wrote instead of keeping it."""

    def write(self, text):
        return text


def csv_lines(header, rows: Iterable, **options):
    """The CSV text of `header` and `rows`, one line at a time (cells made safe)."""
    writer = csv.writer(_Line(), **options)
    yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_response(filename: str, lines: Iterable[str]) -> StreamingHttpResponse:
    """A CSV download written while it is sent (`csv_lines`): its memory does not grow with its
    rows when they come from an iterator (a queryset's `.iterator()`) rather than a list."""
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
