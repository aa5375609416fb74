from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicard.core.checks import configuration_problems
from civicard.core.errors import BadRequest, DomainError, NotFound, PermissionRefused
from civicard.core.middleware import is_api


@never_cache
@require_GET
def health(request):
    try:
        connection.ensure_connection()
        database = "ok" if connection.is_usable() else "unavailable"  # PostgreSQL: SELECT 1
    except Exception:  # any database failure is reported, not raised
        database = "unavailable"
    problems = configuration_problems()
    healthy = database == "ok" and not (problems and settings.PRODUCTION)
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "database": database,
         "vendor": connection.vendor, "configuration": list(problems)},
        status=200 if healthy else 503,
    )


def home(request):
    return render(request, "home.html")


# Error handlers: the API answers its JSON shape {code, message, fields} even for errors raised
# before it runs (a body too large, an unknown URL), pages answer a page.

def _error_page(request, error: DomainError, status: int):
    if is_api(request):
        return JsonResponse(error.as_dict(), status=status)
    return render(request, "error.html", {"status": status}, status=status)


def page_not_found(request, exception):
    return _error_page(request, NotFound(), 404)


def permission_denied(request, exception):
    return _error_page(request, PermissionRefused(), 403)


def bad_request(request, exception):
    return _error_page(request, BadRequest(), 400)


def server_error(request):
    return _error_page(request, DomainError(), 500)
