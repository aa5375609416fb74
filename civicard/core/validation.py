"""Input checked once, at the edge: text without control characters, datetimes in a plausible
window. API schemas use the `Text` and `PlausibleDatetime` types; paths, query strings and form
fields are checked by `core.middleware.InputGuardMiddleware`."""

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from civicard.core import clock

# C0 controls but tab, line feed and carriage return (text areas send those); DEL; and the
# surrogate halves a JSON "\ud800" escape can smuggle in, which no database can store.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=1)

CONTROL_MESSAGE = _("This text contains characters that are not allowed.")
NAIVE_MESSAGE = _("Give the time with its offset from UTC, e.g. 2026-03-02T09:00:00+01:00.")
WINDOW_MESSAGE = _("This date is not plausible: give a date between 2000 and tomorrow.")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def check_text(value: str) -> str:
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", str(CONTROL_MESSAGE))
    return value


def check_plausible(value: datetime) -> datetime:
    """An aware datetime between 2000 and tomorrow, returned in UTC. Offsets that push a date
    past the calendar's ends are refused here rather than overflowing later."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("naive_datetime", str(NAIVE_MESSAGE))
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("implausible_datetime", str(WINDOW_MESSAGE)) from None
    if not EARLIEST <= in_utc <= clock.now() + LATEST_AHEAD:
        raise PydanticCustomError("implausible_datetime", str(WINDOW_MESSAGE))
    return in_utc


# A database key: a positive 64-bit integer (a larger one would overflow the column's type).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]
Text = Annotated[str, AfterValidator(check_text)]
PlausibleDatetime = Annotated[datetime, AfterValidator(check_plausible)]
