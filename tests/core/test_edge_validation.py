"""Input is checked once, at the edge: text without control characters, plausible datetimes,
bounded ids; every API error, even one raised before the API runs, has the JSON shape."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from civicard.core import clock
from civicard.core.validation import (
    CONTROL_CHARACTERS,
    EARLIEST,
    Id,
    PlausibleDatetime,
    Text,
    check_plausible,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEXT = TypeAdapter(Text)
WHEN = TypeAdapter(PlausibleDatetime)
CONTROLS = [chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127]]


@given(st.text())
def test_text_is_accepted_exactly_when_it_has_no_control_character(text):
    if CONTROL_CHARACTERS.search(text):
        with pytest.raises(ValidationError) as refused:
            TEXT.validate_python(text)
        assert refused.value.errors()[0]["type"] == "control_characters"
    else:
        assert TEXT.validate_python(text) == text


@given(st.text(), st.sampled_from(CONTROLS), st.text())
def test_any_control_character_anywhere_is_refused(before, control, after):
    with pytest.raises(ValidationError):
        TEXT.validate_python(before + control + after)


def test_tabs_and_line_breaks_are_text():
    assert TEXT.validate_python("Line 1\r\nLine 2\tend") == "Line 1\r\nLine 2\tend"


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.timezones() | st.just(UTC)),
       st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59))
def test_any_datetime_is_either_plausible_or_refused_never_an_overflow(naive, offset_minutes):
    from datetime import timezone

    value = naive.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    with clock.frozen(NOW):
        try:
            accepted = WHEN.validate_python(value)
        except ValidationError as refused:
            assert refused.errors()[0]["type"] == "implausible_datetime"
        else:
            assert EARLIEST <= accepted <= NOW + timedelta(days=1)
            assert accepted == value and accepted.tzinfo == UTC


@given(st.text(max_size=40))
def test_any_string_given_as_a_datetime_is_parsed_or_refused(text):
    with clock.frozen(NOW):
        try:
            WHEN.validate_python(text)
        except ValidationError:
            pass


def test_a_naive_datetime_is_refused_with_its_own_code():
    with pytest.raises(ValidationError) as refused:
        WHEN.validate_python(datetime(2026, 3, 2, 9, 0))
    assert refused.value.errors()[0]["type"] == "naive_datetime"


def test_the_window_ends_a_day_after_now():
    with clock.frozen(NOW):
        assert check_plausible(NOW + timedelta(days=1)) == NOW + timedelta(days=1)
        with pytest.raises(ValueError):
            check_plausible(NOW + timedelta(days=1, seconds=1))


@given(st.integers())
def test_ids_fit_a_64_bit_column(number):
    adapter = TypeAdapter(Id)
    if 1 <= number < 2**63:
        assert adapter.validate_python(number) == number
    else:
        with pytest.raises(ValidationError):
            adapter.validate_python(number)


# --- at the edge: paths, query strings, forms, bodies -------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/mutualaid/posts?q=%00", "/api/mutualaid/posts?kind=a%01b",
                                  "/api/mutualaid/posts/1%00"])
def test_a_control_character_in_an_api_url_is_a_json_422(client, resident, path):
    client.force_login(resident)
    response = client.get(path)
    assert (response.status_code, response["Content-Type"]) == (422, "application/json")
    assert response.json()["code"] == "invalid_input"


@pytest.mark.django_db
def test_a_control_character_in_a_page_url_is_a_422_page(client):
    response = client.get("/inclusion/?q=caf%00e")
    assert response.status_code == 422
    assert "text/html" in response["Content-Type"]
    assert "invalid_input" in response.content.decode()


@pytest.mark.django_db
def test_a_body_too_large_for_the_api_answers_json(client):
    response = client.post("/api/terminals/scan", b"{" + b" " * (10 * 1024 * 1024) + b"}",
                           content_type="application/json", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "fields": {},
                               "message": "The request could not be read: it is too large "
                                          "or not well formed."}


@pytest.mark.django_db
@pytest.mark.parametrize("body,status,code", [(b"{not json", 400, "bad_request"),
                                              (b"[]", 422, "invalid_input"),
                                              (b'{"kind": 1}', 422, "invalid_input")])
def test_a_malformed_api_body_answers_json(client, resident, body, status, code):
    client.force_login(resident)
    response = client.post("/api/mutualaid/posts", body, content_type="application/json")
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == code


@pytest.mark.django_db
def test_an_unknown_api_url_answers_json_and_a_page_url_a_page(client):
    api = client.get("/api/nothing-here")
    assert (api.status_code, api.json()["code"]) == (404, "not_found")
    page = client.get("/nothing-here/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]
