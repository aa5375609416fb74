"""Prices of attendance and the national nursery scale: pure functions of their inputs."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from civicard.childhood.exceptions import NurseryScaleUnknown
from civicard.childhood.models import BILLED_AS_UNEXPECTED, Pricing


def best_price(prices, *, day: date, bracket_id: int | None, rank: int):
    """The price row that applies: valid on `day`, for the household's bracket (a row for the
    bracket beats a row for any bracket), for the highest rank not above the child's, and
    the most recent. None when no row applies."""
    fitting = [p for p in prices if p.valid_from <= day and p.from_rank <= rank
               and p.income_bracket_id in (None, bracket_id)]
    if not fitting:
        return None
    return max(fitting, key=lambda p: (p.income_bracket_id is not None, p.from_rank,
                                       p.valid_from, p.pk))


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_amount(price, *, pricing: str, state: str, minutes: int) -> int:
    """The amount of one billed reservation: the unit's price, or per hour the price of an
    hour times the time spent (kept between the floor and the ceiling). A presence without
    booking has its own price when one is set."""
    unit_price = price.amount_cents
    if state in BILLED_AS_UNEXPECTED and price.unexpected_amount_cents is not None:
        unit_price = price.unexpected_amount_cents
    if pricing != Pricing.PER_HOUR:
        return unit_price
    amount = half_up(Decimal(unit_price) * minutes / 60)
    if price.floor_cents is not None:
        amount = max(amount, price.floor_cents)
    if price.ceiling_cents is not None:
        amount = min(amount, price.ceiling_cents)
    return amount


# The CAF national scale for collective care (PSU): hourly effort rates in percent of the
# monthly resources by number of dependent children, and the monthly resources ceiling.
EFFORT_RATES = [  # (valid from, rates for 1, 2, 3, 4 to 7, 8 and more children)
    (date(2022, 1, 1), ("0.0619", "0.0516", "0.0413", "0.0310", "0.0206")),
]
CEILINGS_CENTS = [
    (date(2022, 1, 1), 6_000_00),
    (date(2024, 9, 1), 7_000_00),
    (date(2025, 9, 1), 8_500_00),
]


def _dated(table, on: date):
    valid = [value for starts, value in table if starts <= on]
    if not valid:
        raise NurseryScaleUnknown()
    return valid[-1]


def effort_rate(children: int, *, disabled_child: bool, on: date) -> str:
    """The effort rate in percent; a child with a disability counts as one more child."""
    counted = max(children, 1) + (1 if disabled_child else 0)
    rates = _dated(EFFORT_RATES, on)
    index = 0 if counted == 1 else 1 if counted == 2 else 2 if counted == 3 else \
        3 if counted <= 7 else 4
    return rates[index]


@dataclass(frozen=True)
class NurseryRate:
    hourly_rate_cents: int
    effort_rate: str
    resources_used_cents: int


def nursery_rate(*, monthly_resources_cents: int, children: int, disabled_child: bool,
                 on: date, floor_cents: int | None) -> NurseryRate:
    """The hourly rate: the monthly resources, kept between the floor and the ceiling, times
    the effort rate, rounded to the nearest cent (half up)."""
    used = min(monthly_resources_cents, _dated(CEILINGS_CENTS, on))
    if floor_cents is not None:
        used = max(used, floor_cents)
    rate = effort_rate(children, disabled_child=disabled_child, on=on)
    return NurseryRate(hourly_rate_cents=half_up(Decimal(used) * Decimal(rate) / 100),
                       effort_rate=rate, resources_used_cents=used)


# Nursery contracts: "mensualisation" ------------------------------------------------------------

# An illness deducts from the fourth day: the waiting days are the first day of absence and
# the two calendar days that follow (CAF, PSU guide).
ILLNESS_WAITING_DAYS = 3


def contract_weeks(starts_on: date, ends_on: date, *, closure_weeks: int,
                   holiday_weeks: int) -> int:
    """The weeks of care: the whole weeks from start to end, less the nursery's closure and the
    family's holidays (at least none)."""
    whole_weeks = ((ends_on - starts_on).days + 1) // 7
    return max(whole_weeks - closure_weeks - holiday_weeks, 0)


def contract_months(starts_on: date, ends_on: date) -> int:
    """The months the contract's amount is spread over: each calendar month it touches."""
    return (ends_on.year - starts_on.year) * 12 + ends_on.month - starts_on.month + 1


def monthly_amount(*, weekly_minutes: int, weeks: int, months: int,
                   hourly_rate_cents: int) -> int:
    """The contract's equal monthly part: hours per week × weeks ÷ months × the hourly rate,
    rounded once to the nearest cent (half up)."""
    return half_up(Decimal(weekly_minutes * weeks * hourly_rate_cents) / (60 * months))


def extra_minutes(*, arrived: int, left: int, contracted: tuple[int, int] | None) -> int:
    """The minutes of one day's presence (minutes since midnight) outside the contracted
    hours, every half hour begun counted whole."""
    if contracted is None:
        outside = left - arrived
    else:
        outside = max(contracted[0] - arrived, 0) + max(left - contracted[1], 0)
        outside = min(outside, left - arrived)
    return -(-max(outside, 0) // 30) * 30


def hours_amount(minutes: int, hourly_rate_cents: int) -> int:
    """The price of `minutes` at the hourly rate, to the nearest cent (half up)."""
    return half_up(Decimal(minutes * hourly_rate_cents) / 60)


def month_end(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])
