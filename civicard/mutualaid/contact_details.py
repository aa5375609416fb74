"""Finding phone numbers and e-mail addresses typed into public text.

A post is read by the whole town; a number or an address in it exposes its author. We refuse
them, including the usual ways people write them down: `06 12 34 56 78`, `06.12.34.56.78`,
`+33 6 12 34 56 78`, `0033612345678`, `name@example.org`, `name (at) example (dot) org`."""

import re

# A phone number: 9 to 15 digits, optionally led by + or 00, in groups separated by a space,
# a dot, a dash or a slash. Dates (8 digits at most) and prices do not match.
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ .\-/]?\(?\d\)?){8,14}(?!\w)")
AT = r"(?:@|＠|\s*[\(\[\{]\s*(?:at|arobase|chez)\s*[\)\]\}]\s*)"
DOT = r"(?:\.|\s*[\(\[\{]\s*(?:dot|point)\s*[\)\]\}]\s*)"
EMAIL = re.compile(rf"[\w.+\-]+\s*{AT}\s*[\w\-]+(?:{DOT}[\w\-]+)+", re.IGNORECASE)


def find_contact_details(text: str) -> list[str]:
    """The phone numbers and e-mail addresses found in `text`, as written."""
    text = text or ""
    found = [match.group(0).strip() for match in EMAIL.finditer(text)]
    for match in PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 9 <= len(digits) <= 15:
            found.append(match.group(0).strip())
    return found
