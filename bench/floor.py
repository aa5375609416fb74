"""The floor of a decision: the application as bench/scan.py serves it, with one more URL.

`POST /bench/floor` does only what no decision can do without, behind the same middleware
and settings as the real `POST /api/terminals/scan`: it reads the JSON body and the bearer token,
runs the scan's one read (`presented.SCAN_SQL`: terminal, answer given, card, holder, homes,
accounts, enrolments, tariffs), writes one decision row (terminal, checkpoint, card, holder,
household), and answers `allow`. No rules, no model instances, no charge. Its rate is the
most any scan that reads and writes PostgreSQL once each can reach on the machine, to set
beside the real scan's and `/health`'s.
Not part of the product: gunicorn serves it as `bench.floor:application`."""

import hashlib
import json

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

application = get_wsgi_application()

from civicard.access import presented  # noqa: E402  (apps are ready only now)
from civicard.cards.queries import credential_lookup  # noqa: E402

ANSWER = {"decision": "allow", "reason_code": "ok", "message": "Bienvenue", "messages": {},
          "display_name": "", "balance_cents": None, "remaining_quota": None}
INSERT = ('INSERT INTO "access_decision" (terminal_id, checkpoint_id, card_id, person_id, '
          'household_id, idempotency_key, at, recorded_at, outcome, reason_code, via, "right", '
          "shortfall_cents, counted, response) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'allow', "
          "'ok', 'online', 'enrolment', 0, false, %s::jsonb)")
# Where the card, its holder and the first household are in a row of presented.SCAN_SQL.
CARD_AT = sum(map(len, (presented.TERMINAL, presented.CHECKPOINT, presented.FACILITY,
                        presented.SERVICE, presented.QUOTA))) + 1
HOUSEHOLD_AT = CARD_AT + len(presented.CARD) + len(presented.PERSON) + 1


@csrf_exempt
def two_statements(request):
    body = json.loads(request.body)
    token = request.headers.get("Authorization", "").partition(" ")[2]
    condition, values = presented._lookup(credential_lookup(body["credential"]))
    on, now = timezone.localdate(), timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(presented.SCAN_SQL.replace("{lookup}", condition),
                       [body["idempotency_key"], *values, on, on, on, on,
                        hashlib.sha256(token.encode()).hexdigest()])
        row = cursor.fetchall()[0]
        cursor.execute(INSERT, [row[0], row[1], row[CARD_AT], row[CARD_AT + 1], row[HOUSEHOLD_AT],
                                body["idempotency_key"], now, now, json.dumps(ANSWER)])
    return JsonResponse(ANSWER)


urlpatterns = [path("bench/floor", two_statements), path("", include("civicard.urls"))]
settings.ROOT_URLCONF = __name__
