"""The floor of a decision: the application as bench/scan.py serves it, with one more URL.

`POST /bench/floor` does only what no decision can do without, behind the same middleware
and settings as the real `POST /api/terminals/scan`: it reads the JSON body and the bearer
token, reads the terminal, the card and its holder's household in one hand-written statement,
writes one decision row (terminal, checkpoint, card, holder, household) in another, and
answers `allow`. No rules, no answer already given, no enrolment, no price, no charge, no
model instances. Its rate is the most any scan that reads and writes PostgreSQL once each can
reach on the machine, to set beside the real scan's and `/health`'s.
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

from civicard.cards import codes  # noqa: E402  (apps are ready only now)

ANSWER = {"decision": "allow", "reason_code": "ok", "message": "Bienvenue", "messages": {},
          "display_name": "", "balance_cents": None, "remaining_quota": None}
READ = ("SELECT t.id, t.checkpoint_id, c.id, c.person_id, m.household_id "
        "FROM access_terminal t LEFT JOIN cards_card c ON c.uid_hash = %s "
        "LEFT JOIN people_membership m ON m.person_id = c.person_id "
        "WHERE t.token_hash = %s AND t.revoked_at IS NULL LIMIT 1")
INSERT = ('INSERT INTO "access_decision" (terminal_id, checkpoint_id, card_id, person_id, '
          'household_id, idempotency_key, at, recorded_at, outcome, reason_code, via, "right", '
          "shortfall_cents, counted, response) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'allow', "
          "'ok', 'online', 'enrolment', 0, false, %s::jsonb)")


@csrf_exempt
def two_statements(request):
    body = json.loads(request.body)
    token = request.headers.get("Authorization", "").partition(" ")[2]
    uid = codes.normalise_uid(body["credential"]) or ""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(READ, [codes.uid_hash(uid), hashlib.sha256(token.encode()).hexdigest()])
        row = cursor.fetchone()
        cursor.execute(INSERT, [*row, body["idempotency_key"], now, now, json.dumps(ANSWER)])
    return JsonResponse(ANSWER)


urlpatterns = [path("bench/floor", two_statements), path("", include("civicard.urls"))]
settings.ROOT_URLCONF = __name__
