"""CSV files that a spreadsheet opens safely. A text cell that a spreadsheet would run as a
formula (starting with =, +, -, @, a tab or a carriage return) is written with a leading
apostrophe, which spreadsheets show as text. Plain numbers ("-12.50") and E.164 phone numbers
("+33549000000", which the national standard of places requires) are left as they are."""

import csv
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
E164_PHONE = re.compile(r"\+[1-9]\d{6,14}")


def safe_cell(value):
    if (not isinstance(value, str) or not value.startswith(FORMULA_STARTS)
            or PLAIN_NUMBER.fullmatch(value) or E164_PHONE.fullmatch(value)):
        return value
    return "'" + value


class SafeWriter:
    """csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

