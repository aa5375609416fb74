from django.shortcuts import render

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
