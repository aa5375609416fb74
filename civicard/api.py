"""The JSON API: one NinjaAPI mounting each domain's router; errors are {code, message, fields}."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from civicard.access.api import router as access_router
from civicard.agenda.api import router as agenda_router
from civicard.benefits.api import router as benefits_router
from civicard.bookings.api import router as bookings_router
from civicard.childhood.api import router as childhood_router
from civicard.core.errors import (
    BadRequest,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionRefused,
)
from civicard.inclusion.api import router as inclusion_router
from civicard.library.api import router as library_router
from civicard.moderation.api import router as moderation_router
from civicard.mutualaid.api import router as mutualaid_router
from civicard.people.api import router as people_router
from civicard.wallets.api import router as wallets_router

api = NinjaAPI(title="Civicard API", version="1", urls_namespace="api")


def _error(request, error: DomainError):
    return api.create_response(request, error.as_dict(), status=error.http_status)


@api.exception_handler(DomainError)
def domain_error(request, error: DomainError):
    return _error(request, error)


@api.exception_handler(ValidationError)
def validation_error(request, error: ValidationError):
    fields: dict[str, list[str]] = {}
    for item in error.errors:
        location = [str(part) for part in item.get("loc", []) if part not in ("body", "query",
                                                                               "path", "payload")]
        fields.setdefault(".".join(location) or "__all__", []).append(item.get("msg", ""))
    return _error(request, InvalidInput(fields=fields))


@api.exception_handler(AuthenticationError)
def authentication_error(request, error):
    return _error(request, PermissionRefused())


@api.exception_handler(Http404)
def not_found(request, error):
    return _error(request, NotFound())


HTTP_ERRORS = {400: BadRequest, 403: PermissionRefused, 404: NotFound}


@api.exception_handler(HttpError)
def http_error(request, error: HttpError):
    """Errors ninja raises itself (an unreadable body…), in the reader's language."""
    if error.status_code in HTTP_ERRORS:
        return _error(request, HTTP_ERRORS[error.status_code]())
    return api.create_response(
        request, {"code": "http_error", "message": str(error), "fields": {}},
        status=error.status_code)


# Terminals first: a door's scan is the most frequent request, and URLs are tried in order.
api.add_router("/terminals/", access_router)
api.add_router("/people/", people_router)
api.add_router("/wallets/", wallets_router)
api.add_router("/inclusion/", inclusion_router)
api.add_router("/mutualaid/", mutualaid_router)
api.add_router("/moderation/", moderation_router)
api.add_router("/benefits/", benefits_router)
api.add_router("/library/", library_router)
api.add_router("/events", agenda_router)
api.add_router("/bookings", bookings_router)  # POST /api/bookings, no trailing slash
api.add_router("/childhood/", childhood_router)
