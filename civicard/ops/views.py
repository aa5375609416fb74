import hmac

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from civicard.core.permissions import Role, holds_role
from civicard.ops.metrics import exposition


@never_cache
@require_GET
def metrics(request):
    """Prometheus text format, for the CIVICARD_METRICS_TOKEN bearer or an administrator."""
    if not (_bearer_is_the_token(request) or holds_role(request.user, Role.ADMINISTRATOR)):
        response = HttpResponse(status=401 if not request.user.is_authenticated else 403)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def _bearer_is_the_token(request) -> bool:
    token = settings.CIVICARD_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode())
