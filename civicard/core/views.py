from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def health(request):
    try:
        connection.ensure_connection()
        database = "ok" if connection.is_usable() else "unavailable"  # PostgreSQL: SELECT 1
    except Exception:  # any database failure is reported, not raised
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "degraded", "database": database,
         "vendor": connection.vendor},
        status=status,
    )


def home(request):
    return render(request, "home.html")


def page_not_found(request, exception):
    return render(request, "error.html", {"status": 404}, status=404)


def permission_denied(request, exception):
    return render(request, "error.html", {"status": 403}, status=403)


def bad_request(request, exception):
    return render(request, "error.html", {"status": 400}, status=400)


def server_error(request):
    return render(request, "error.html", {"status": 500}, status=500)
