"""civicard.core.opening_hours: OSM expressions read in plain words, in English and French.

The week of Monday 13 July 2026 holds a French public holiday (Tuesday 14 July)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from civicard.core import clock, opening_hours

PARIS = ZoneInfo("Europe/Paris")
OFFICE = "Mo-Fr 09:00-12:00,14:00-17:30; PH off"
NIGHTS = "Fr,Sa 20:00-02:00"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of July 2026 in Paris."""
    return datetime(2026, 7, day, hour, minute, tzinfo=PARIS)


def shown(expression: str, start: date, days: int = 7) -> list[tuple[str, str]]:
    return [(day.name, day.hours) for day in opening_hours.week(expression, start, days=days)]


def test_a_week_with_a_public_holiday_in_english_and_french():
    with clock.frozen(at(13, 8)), translation.override("en"):
        assert shown(OFFICE, clock.today()) == [
            ("Monday 13 July", "09:00–12:00, 14:00–17:30"),
            ("Tuesday 14 July", "Closed (public holiday)"),
            ("Wednesday 15 July", "09:00–12:00, 14:00–17:30"),
            ("Thursday 16 July", "09:00–12:00, 14:00–17:30"),
            ("Friday 17 July", "09:00–12:00, 14:00–17:30"),
            ("Saturday 18 July", "Closed"),
            ("Sunday 19 July", "Closed"),
        ]
    with translation.override("fr"):
        assert shown(OFFICE, date(2026, 7, 13), days=3) == [
            ("lundi 13 juillet", "09:00–12:00, 14:00–17:30"),
            ("mardi 14 juillet", "Fermé (jour férié)"),
            ("mercredi 15 juillet", "09:00–12:00, 14:00–17:30"),
        ]
        assert shown("24/7", date(2026, 7, 14), days=1) == [
            ("mardi 14 juillet", "Toute la journée (jour férié)")]
    week = opening_hours.week(OFFICE, date(2026, 7, 13))
    assert [(day.date, day.intervals, day.holiday) for day in week[:2]] == [
        (date(2026, 7, 13), ["09:00–12:00", "14:00–17:30"], False),
        (date(2026, 7, 14), [], True)]


def test_public_holidays_are_those_of_the_country():
    assert opening_hours.is_open(OFFICE, at(14, 10)) is False  # Fête nationale
    assert opening_hours.is_open(OFFICE, at(14, 10), country="DE") is True
    assert opening_hours.is_open(OFFICE, at(15, 10)) is True
    assert [day.holiday for day in opening_hours.week(OFFICE, date(2026, 7, 13), "DE")] == [
        False] * 7


def test_one_line_summary_in_english_and_french():
    cases = [
        (at(13, 10), "Open now · until 12:00", "Ouvert maintenant · jusqu’à 12:00"),
        (at(13, 12, 30), "Closed now · opens today at 14:00",
         "Fermé maintenant · ouvre aujourd’hui à 14:00"),
        (at(13, 19), "Closed now · opens Wednesday at 09:00",  # Tuesday is a holiday
         "Fermé maintenant · ouvre mercredi à 09:00"),
        (at(16, 18), "Closed now · opens tomorrow at 09:00",
         "Fermé maintenant · ouvre demain à 09:00"),
    ]
    for moment, english, french in cases:
        with clock.frozen(moment):
            with translation.override("en"):
                assert opening_hours.summary(OFFICE, clock.now()) == english
            with translation.override("fr"):
                assert opening_hours.summary(OFFICE, clock.now()) == french
    with translation.override("en"):
        assert opening_hours.summary("Mo 09:00-12:00", at(14, 8)) == (
            "Closed now · opens Monday 20 July at 09:00")  # a week away: the date too
        assert opening_hours.summary("24/7", at(14, 8)) == "Open now"
        assert opening_hours.summary("Mo-Su off", at(14, 8)) == "Closed now"
        assert opening_hours.summary("Tu 08:00-24:00; We 00:00-18:00", at(14, 9)) == (
            "Open now · until Wednesday at 18:00")


def test_an_opening_across_midnight_belongs_to_its_evening():
    with translation.override("en"):
        assert shown(NIGHTS, date(2026, 7, 17), days=3) == [
            ("Friday 17 July", "20:00–02:00"),
            ("Saturday 18 July", "20:00–02:00"),
            ("Sunday 19 July", "Closed"),
        ]
        # A week that starts in the small hours still shows the end of the night before.
        assert shown(NIGHTS, date(2026, 7, 18), days=1) == [
            ("Saturday 18 July", "00:00–02:00, 20:00–02:00")]
        assert opening_hours.summary(NIGHTS, at(17, 23)) == "Open now · until 02:00"
        assert opening_hours.summary(NIGHTS, at(19, 3)) == "Closed now · opens Friday at 20:00"
    assert opening_hours.is_open(NIGHTS, at(19, 1, 59)) is True
    assert opening_hours.is_open(NIGHTS, at(19, 2)) is False
    # Local wall-clock time may be given naive.
    assert opening_hours.is_open(NIGHTS, datetime(2026, 7, 19, 1, 59)) is True


@pytest.mark.parametrize("expression", ["whenever", "Lundi 9h-12h", "Mo-Fr 25:00-26:00"])
def test_an_invalid_expression_is_refused_without_raising(expression):
    assert opening_hours.parse(expression) is None
    assert opening_hours.is_open(expression, at(13, 10)) is False
    assert opening_hours.week(expression, date(2026, 7, 13)) == []
    assert opening_hours.summary(expression, at(13, 10)) == ""


def test_problem_explains_in_plain_words():
    example = "Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00"
    with translation.override("en"):
        assert opening_hours.problem("Mo-Fr 25:00-26:00") == (
            "“Mo-Fr 25:00-26:00” is not in the OpenStreetMap opening hours syntax: "
            f"“25:00-26:00” is not understood. Example: {example}.")
        assert opening_hours.problem("Mo-Fr 09:00-12:00; Samedi 9h") == (
            "“Mo-Fr 09:00-12:00; Samedi 9h” is not in the OpenStreetMap opening hours syntax: "
            f"“Samedi 9h” is not understood. Example: {example}.")
        assert opening_hours.problem("whenever") == (
            f"“whenever” is not in the OpenStreetMap opening hours syntax. Example: {example}.")
        assert opening_hours.problem("Mardi 10h-18h") == (  # "Mar" reads as March: whole word
            "“Mardi 10h-18h” is not in the OpenStreetMap opening hours syntax. "
            f"Example: {example}.")
    with translation.override("fr"):
        assert opening_hours.problem("whenever") == (
            "« whenever » n’est pas écrit dans la syntaxe OpenStreetMap des horaires. "
            f"Exemple : {example}.")
    assert opening_hours.problem(OFFICE) == ""
    assert opening_hours.problem("") == "" and opening_hours.problem("  ") == ""


def test_unknown_hours_are_not_open_and_parsing_is_cached():
    assert opening_hours.is_open("Mo-Su 10:00-12:00 unknown", at(13, 11)) is False
    assert opening_hours.week("", date(2026, 7, 13)) == []
    assert opening_hours.parse(OFFICE) is opening_hours.parse(OFFICE)
    assert opening_hours.parse(OFFICE) is not opening_hours.parse(OFFICE, "DE")
    assert opening_hours.parse("24/7", "XX") is None  # no such country
