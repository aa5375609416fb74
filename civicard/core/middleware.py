from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation

from civicard.core.errors import DomainError, InvalidInput
from civicard.core.validation import CONTROL_MESSAGE, has_control_characters

FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class DomainErrorMiddleware:
    """A domain error no view caught becomes a readable page with its status, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return error_response(request, exception)
        return None


class DefaultLanguageMiddleware:
    """A visitor who states no language (no cookie, no browser preference) gets the territory's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
                and not request.headers.get("Accept-Language")):
            translation.activate(settings.CIVICARD_DEFAULT_LANGUAGE)
            request.LANGUAGE_CODE = settings.CIVICARD_DEFAULT_LANGUAGE
        return self.get_response(request)


class InputGuardMiddleware:
    """Refuses a request whose path, query string or form fields carry control characters (a NUL
    byte cannot even be stored by PostgreSQL): a 422 with the field named, before any view runs.
    JSON bodies are checked by the API schemas' `Text` type (core.validation)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._first_bad_field(request)
        if field is not None:
            return error_response(request, InvalidInput(fields={field: [CONTROL_MESSAGE]}))
        return self.get_response(request)

    @staticmethod
    def _first_bad_field(request) -> str | None:
        if has_control_characters(request.path):
            return "path"
        sources = [request.GET]
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            sources.append(request.POST)
        for data in sources:
            for name, values in data.lists():
                if has_control_characters(name) or any(map(has_control_characters, values)):
                    return name if not has_control_characters(name) else "__all__"
        return None


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_response(request, error: DomainError):
    """The error as the API's JSON shape {code, message, fields} or as a page."""
    if is_api(request):
        return JsonResponse(error.as_dict(), status=error.http_status)
    return render(request, "error.html", {"error": error}, status=error.http_status)
