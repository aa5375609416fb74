import logging
import re
import time
import uuid

from civicard.ops import metrics
from civicard.ops.logs import current_request_id

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy (Caddy's uuid) is kept, so that its log and ours share it.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_log = logging.getLogger("civicard.request")


class RequestIdMiddleware:
    """Gives each request an id (the proxy's, else a new one), answers it in X-Request-ID,
    logs the request as one line carrying it, and counts it for /metrics by route."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request.id = given if ACCEPTED_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = current_request_id.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            route = route_of(request)
            metrics.observe_request(method=request.method, route=route,
                                    status=response.status_code, seconds=seconds)
            response[REQUEST_ID_HEADER] = request.id
            request_log.log(
                logging.ERROR if response.status_code >= 500 else logging.INFO,
                "%s %s %s", request.method, route, response.status_code,
                extra={"method": request.method, "route": route, "path": request.path,
                       "status": response.status_code, "duration_ms": round(seconds * 1000, 1)})
            return response
        finally:
            current_request_id.reset(token)


def route_of(request) -> str:
    """The URL pattern that served the request (e.g. `/me/services/<int:pk>/top-up/`): a label
    with as many values as there are routes, whatever the paths asked."""
    match = getattr(request, "resolver_match", None)
    return "/" + match.route if match is not None else metrics.UNMATCHED_ROUTE
