from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from civicard.core.errors import DomainError


class DomainErrorMiddleware:
    """A domain error no view caught becomes a readable page with its status, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            return render(
                request, "error.html", {"error": exception}, status=exception.http_status
            )
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
