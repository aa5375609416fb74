"""The terminal protocol (docs/terminals.md): scan, allow-list, offline events, public key."""

from typing import Annotated, Any

from django.http import HttpResponse, JsonResponse
from ninja import Router, Schema
from ninja.security import HttpBearer
from pydantic import ValidationError as PydanticValidationError
from pydantic import WithJsonSchema

from civicard.access import allowlist, signing, terminals
from civicard.access.decisions import decide, offline
from civicard.core import clock
from civicard.core.validation import PlausibleDatetime, Text


class TerminalToken(HttpBearer):
    """Declares the terminals' bearer token in the OpenAPI document. The token is checked by
    each operation (a scan checks it within its one read), which answers 401 when it is
    missing or unknown, so no request stops here."""

    def __call__(self, request):
        return True

    def authenticate(self, request, token):
        return True


router = Router(tags=["terminals"], auth=TerminalToken())


def bearer_token(request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _terminal(request):
    return terminals.terminal_for_token(bearer_token(request))


def _version(request) -> str:
    return request.headers.get("X-Civicard-Software", "")


class ScanIn(Schema):
    credential: Text
    idempotency_key: Text
    at: PlausibleDatetime | None = None


class ScanOut(Schema):
    decision: str
    reason_code: str
    message: str
    messages: dict[str, str]
    display_name: str
    balance_cents: int | None = None
    remaining_quota: int | None = None


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


@router.post("/scan", response={200: ScanOut, 401: ErrorOut, 422: ErrorOut},
             summary="Decide on one presented card")
def scan(request, payload: ScanIn):
    answer = decide.scan_by_token(bearer_token(request), credential=payload.credential,
                                  idempotency_key=payload.idempotency_key, at=payload.at,
                                  now=clock.now(), software_version=_version(request))
    # The answer is built by the decision engine in the ScanOut shape (a test holds it to
    # the schema): sent as is, without validating it again on every scan.
    return JsonResponse(answer)


@router.get("/allowlist", summary="The signed allow-list of the terminal's checkpoint",
            response={200: None, 401: ErrorOut, 422: ErrorOut})
def get_allowlist(request, since: str | None = None):
    terminal = _terminal(request)
    terminals.touch(terminal, now=clock.now(), software_version=_version(request))
    body, signature = allowlist.signed(terminal, since=since, now=clock.now())
    response = HttpResponse(body, content_type="application/json")
    response["X-Civicard-Signature"] = signature
    return response


class EventIn(Schema):
    idempotency_key: Text
    credential: Text
    at: PlausibleDatetime
    decision: Text
    reason_code: Text = ""


class EventsIn(Schema):
    # Each event is checked on its own (`_checked`), so that one bad event is refused with its
    # code while the others are recorded.
    events: list[Annotated[dict[str, Any], WithJsonSchema(EventIn.model_json_schema())]]


class EventResultOut(Schema):
    idempotency_key: str
    status: str
    code: str
    shortfall_cents: int


class EventsOut(Schema):
    recorded: int
    duplicates: int
    rejected: int
    results: list[EventResultOut]


def _checked(raw: dict) -> dict:
    """The event as the operation takes it, or its refusal: `at_invalid` for a missing,
    malformed or implausible time, `event_invalid` for any other field."""
    try:
        return EventIn.model_validate(raw).dict()
    except PydanticValidationError as error:
        fields = {str(item["loc"][0]) for item in error.errors() if item["loc"]}
        key = raw.get("idempotency_key")
        return {"idempotency_key": key if isinstance(key, str) else "", "status": "rejected",
                "code": "at_invalid" if "at" in fields else "event_invalid",
                "shortfall_cents": 0}


@router.post("/events", response={200: EventsOut, 401: ErrorOut, 422: ErrorOut},
             summary="Upload decisions taken offline (idempotent per event key)")
def events(request, payload: EventsIn):
    terminal = _terminal(request)
    checked = [_checked(raw) for raw in payload.events]
    uploaded = iter(offline.upload_events(
        terminal=terminal, events=[e for e in checked if "status" not in e], now=clock.now(),
        software_version=_version(request)))
    results = [event if "status" in event else next(uploaded).__dict__ for event in checked]
    return {
        "recorded": sum(r["status"] == "recorded" for r in results),
        "duplicates": sum(r["status"] == "duplicate" for r in results),
        "rejected": sum(r["status"] == "rejected" for r in results),
        "results": results,
    }


class PublicKeyOut(Schema):
    algorithm: str
    public_key: str


@router.get("/public-key", response=PublicKeyOut, auth=None,
            summary="The key that signs allow-lists")
def public_key(request):
    return {"algorithm": "ed25519", "public_key": signing.public_key_b64()}
