"""Structured logs: each request is one JSON line carrying its request id."""

import io
import json
import logging
import sys

import pytest

from civicard.ops.logs import JsonFormatter, RequestIdFilter, current_request_id


@pytest.fixture
def request_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("civicard.request")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.mark.django_db
def test_a_request_is_one_json_line_with_its_id(client, request_lines):
    response = client.get("/", HTTP_X_REQUEST_ID="caddy-uuid-1")
    missing = client.get("/no-such-page/")
    [home, not_found] = request_lines()
    assert response["X-Request-ID"] == "caddy-uuid-1"
    assert {key: home[key] for key in ("level", "logger", "message", "request_id", "method",
                                       "route", "path", "status")} == {
        "level": "INFO", "logger": "civicard.request", "message": "GET / 200",
        "request_id": "caddy-uuid-1", "method": "GET", "route": "/", "path": "/",
        "status": 200}
    assert isinstance(home["duration_ms"], float)
    assert not_found["request_id"] == missing["X-Request-ID"]
    assert not_found["route"] == "<unmatched>"
    assert not_found["status"] == 404


def test_outside_a_request_the_id_is_empty_and_exceptions_are_kept():
    formatter, request_filter = JsonFormatter(), RequestIdFilter()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed %s", ("here",), exc_info=sys.exc_info())
    request_filter.filter(record)
    entry = json.loads(formatter.format(record))
    assert entry["request_id"] == ""
    assert entry["message"] == "failed here"
    assert entry["exception"].endswith("ValueError: boom")


def test_the_id_is_that_of_the_request_being_served():
    token = current_request_id.set("abc")
    try:
        record = logging.makeLogRecord({"msg": "hello"})
        RequestIdFilter().filter(record)
        assert json.loads(JsonFormatter().format(record))["request_id"] == "abc"
    finally:
        current_request_id.reset(token)
