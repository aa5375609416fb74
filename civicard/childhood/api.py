"""Roll-call for class and canteen tablets (the terminals' bearer token, docs/terminals.md) and
the public nursery rate simulator."""

from datetime import date
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema
from pydantic import ValidationError as PydanticValidationError
from pydantic import WithJsonSchema

from civicard.access.api import TerminalToken, bearer_token
from civicard.access.terminals import terminal_for_token
from civicard.childhood import operations, pricing, queries
from civicard.core import clock
from civicard.core.validation import PlausibleDatetime, Text

router = Router(tags=["childhood"])


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class MarkIn(Schema):
    idempotency_key: Text
    credential: Text
    at: PlausibleDatetime | None = None
    mark: Text = "present"


class MarkOut(Schema):
    idempotency_key: str
    status: str
    code: str
    state: str
    name: str
    allergies: bool


def _unit(request):
    terminal = terminal_for_token(bearer_token(request))
    return terminal, operations.roll_call_unit(terminal.checkpoint_id)


@router.post("/roll-call/scan", auth=TerminalToken(),
             response={200: MarkOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="Mark the child behind a presented card at the terminal's roll-call")
def scan(request, payload: MarkIn):
    terminal, unit = _unit(request)
    return operations.record_mark(
        scope=f"childhood.terminal:{terminal.pk}", unit=unit,
        idempotency_key=payload.idempotency_key, credential=payload.credential,
        at=payload.at, now=clock.now(), mark_name=payload.mark).__dict__


class MarksIn(Schema):
    # Each mark is checked on its own (`_checked`): a bad one is refused with its code while
    # the others are recorded.
    events: list[Annotated[dict[str, Any], WithJsonSchema(MarkIn.model_json_schema())]]


class MarksOut(Schema):
    recorded: int
    duplicates: int
    rejected: int
    results: list[MarkOut]


def _checked(raw: dict) -> dict | operations.MarkResult:
    try:
        event = MarkIn.model_validate(raw)
    except PydanticValidationError as error:
        fields = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
        key = raw.get("idempotency_key")
        return operations.MarkResult(key if isinstance(key, str) else "", "rejected",
                                     "at_invalid" if "at" in fields else "event_invalid")
    if event.at is None:
        return operations.MarkResult(event.idempotency_key, "rejected", "at_invalid")
    return {"idempotency_key": event.idempotency_key, "credential": event.credential,
            "at": event.at, "mark_name": event.mark}


def summary(results: list[operations.MarkResult]) -> dict:
    return {"recorded": sum(r.status == "recorded" for r in results),
            "duplicates": sum(r.status == "duplicate" for r in results),
            "rejected": sum(r.status == "rejected" for r in results),
            "results": [r.__dict__ for r in results]}


@router.post("/roll-call/events", auth=TerminalToken(),
             response={200: MarksOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="Upload roll-call marks taken offline (idempotent per key)")
def events(request, payload: MarksIn):
    terminal, unit = _unit(request)
    checked = [_checked(raw) for raw in payload.events]
    recorded = iter(operations.record_marks(
        scope=f"childhood.terminal:{terminal.pk}", unit=unit,
        marks=[c for c in checked if isinstance(c, dict)], now=clock.now()))
    return summary([c if not isinstance(c, dict) else next(recorded) for c in checked])


class ExpectedOut(Schema):
    child: int
    name: str
    state: str
    allergies: bool


@router.get("/roll-call/list", auth=TerminalToken(),
            response={200: list[ExpectedOut], 401: ErrorOut, 409: ErrorOut, 422: ErrorOut},
            summary="The children of the terminal's roll-call on a day, booked ones first")
def expected(request, day: date | None = None):
    _terminal, unit = _unit(request)
    return queries.expected_children(unit, day or operations.local_day(clock.now()))


class RateOut(Schema):
    hourly_rate_cents: int
    effort_rate: str
    resources_used_cents: int


class RateIn(Schema):
    monthly_resources_cents: int = Field(ge=0, le=100_000_000)
    children: int = Field(ge=1, le=30)
    disabled_child: bool = False
    on: date | None = None


@router.get("/nursery-rate", auth=None, response={200: RateOut, 422: ErrorOut},
            summary="The hourly nursery rate on the national scale (CAF, PSU)")
def nursery_rate(request, query: Query[RateIn]):
    on = query.on or operations.local_day(clock.now())
    return pricing.nursery_rate(
        monthly_resources_cents=query.monthly_resources_cents, children=query.children,
        disabled_child=query.disabled_child, on=on,
        floor_cents=queries.nursery_floor(None, on)).__dict__
