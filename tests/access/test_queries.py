"""Regression guard on the number of SQL statements of one terminal decision.

The counts include the transaction's own statements (savepoints inside the test's
transaction). Raise them only on purpose: every statement is a round trip per scan."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicard.access import operations
from civicard.access.models import Terminal

from .conftest import AT, enrol, fund

pytestmark = pytest.mark.django_db

CHARGED_SCAN = 8  # 21, then 16 with the ORM; hand-written SQL since (access/presented.py)
FREE_SCAN = 3  # 12, then 8


def _scan_queries(token: str, key: str) -> tuple[int, dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        terminal, answered = operations.terminal_for_token(token, key)
        decision = operations.scan(terminal=terminal, credential="04A1B2C3D4E5F6",
                                   idempotency_key=key, at=AT, now=AT, answered=answered)
    return len(captured), decision, [q["sql"] for q in captured]


def test_a_charged_scan_costs_a_fixed_number_of_statements(
        pool_service, make_checkpoint, make_terminal, holder):
    checkpoint = make_checkpoint(pool_service, charge_use="entry")
    _terminal, token = make_terminal(checkpoint)
    enrol(pool_service, household=holder.household)
    fund(pool_service, holder.household, 1000)
    Terminal.objects.update(last_seen_at=AT)  # touch() writes at most every 30 s
    count, response, sql = _scan_queries(token, "q1")
    assert response["decision"] == "allow" and response["balance_cents"] == 650
    assert count == CHARGED_SCAN, "\n".join(sql)


def test_a_free_scan_costs_a_fixed_number_of_statements(
        make_service, make_checkpoint, make_terminal, holder):
    library = make_service("library", mode="free")
    checkpoint = make_checkpoint(library, name="Desk", kind="library_desk")
    _terminal, token = make_terminal(checkpoint)
    enrol(library, household=holder.household)
    Terminal.objects.update(last_seen_at=AT)
    count, response, sql = _scan_queries(token, "q2")
    assert response["decision"] == "allow" and response["balance_cents"] is None
    assert count == FREE_SCAN, "\n".join(sql)
