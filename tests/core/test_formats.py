"""One way to write a date, a time, an amount and a plural per language: each of the fifteen
rendered on one page and checked against what a reader of the language expects."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

PAGE = Template(
    '{% load i18n money %}{{ at|date:"DATE_FORMAT" }} | {{ at|date:"SHORT_DATETIME_FORMAT" }} | '
    '{{ at|date:"l" }} | {{ cents|cents:"EUR" }} | {% blocktranslate count counter=n %}'
    "{{ counter }} household found{% plural %}{{ counter }} households found"
    "{% endblocktranslate %}")
AT = datetime(2026, 12, 5, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
NBSP = "\u00a0"
EXPECTED = {
    "fr": f"5 décembre 2026 | 05/12/2026 14:30 | samedi | 1{NBSP}234,56{NBSP}€ | 3 foyers trouvés",
    "en": f"5 December 2026 | 05/12/2026 14:30 | Saturday | 1,234.56{NBSP}€ | 3 households found",
    "de": f"5. Dezember 2026 | 05.12.2026 14:30 | Samstag | 1.234,56{NBSP}€ | "
          "3 Haushalte gefunden",
    "it": f"5 dicembre 2026 | 05/12/2026 14:30 | sabato | 1.234,56{NBSP}€ | "
          "3 nuclei familiari trovati",
    "es": f"5 de diciembre de 2026 | 05/12/2026 14:30 | sábado | 1{NBSP}234,56{NBSP}€ | "
          "3 hogares encontrados",
    "pt": f"5 de dezembro de 2026 | 05/12/2026 14:30 | sábado | 1.234,56{NBSP}€ | "
          "3 agregados familiares encontrados",
    "uk": f"5 грудня 2026 | 05.12.2026 14:30 | субота | 1{NBSP}234,56{NBSP}€ | Знайдено 3 сім’ї",
    "ru": f"5 декабря 2026 | 05.12.2026 14:30 | суббота | 1{NBSP}234,56{NBSP}€ | Найдено 3 семьи",
    "ar": f"5 ديسمبر 2026 | 05/12/2026 14:30 | السبت | 1234,56{NBSP}€ | "
          "عُثر على \u20683\u2069 أسر",
    "fa": f"5 دسامبر 2026 | 2026/12/05 14:30 | شنبه | 1234.56{NBSP}€ | 3 خانواده پیدا شد",
    "tr": f"5 Aralık 2026 | 05.12.2026 14:30 | Cumartesi | 1.234,56{NBSP}€ | 3 hane bulundu",
    "sq": f"5 dhjetor 2026 | 05.12.2026 14:30 | e shtunë | 1234,56{NBSP}€ | U gjetën 3 familje",
    "ti": f"5 ታሕሳስ 2026 | 05/12/2026 14:30 | ቀዳም | 1234.56{NBSP}€ | 3 ስድራቤታት ተረኺበን",
    "so": f"5 Desembar 2026 | 05/12/2026 14:30 | Sabti | 1234.56{NBSP}€ | 3 qoys ayaa la helay",
    "ta": f"5 டிசம்பர் 2026 | 05/12/2026 14:30 | சனி | 1234.56{NBSP}€ | "
          "3 குடும்பங்கள் கிடைத்தன",
}


def test_every_language_has_its_expected_line():
    assert sorted(EXPECTED) == sorted(code for code, _name in settings.LANGUAGES)


@pytest.mark.parametrize("language", EXPECTED)
def test_a_date_an_amount_and_a_plural_in_the_readers_language(language):
    with translation.override(language):
        page = PAGE.render(Context({"at": AT, "cents": 123456, "n": 3}))
    assert page.replace('<bdi dir="ltr">', "").replace("</bdi>", "") == EXPECTED[language]


@pytest.mark.parametrize(("language", "count", "expected"), [
    ("uk", 1, "Знайдено 1 сім’ю"), ("uk", 5, "Знайдено 5 сімей"), ("uk", 22, "Знайдено 22 сім’ї"),
    ("ru", 21, "Найдена 21 семья"), ("ru", 11, "Найдено 11 семей"),
    ("ar", 2, "عُثر على \u20682\u2069 أسرة"), ("ar", 11, "عُثر على \u206811\u2069 أسرة"),
])
def test_plural_forms_follow_the_language(language, count, expected):
    with translation.override(language):
        assert translation.ngettext("%(counter)s household found",
                                    "%(counter)s households found", count) % {
            "counter": count} == expected


def test_date_inputs_read_iso_dates_in_every_language():
    from django import forms

    from civicard.core.widgets import DateInput

    class Form(forms.Form):
        day = forms.DateField(widget=DateInput())

    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            form = Form(initial={"day": AT.date()})
            assert 'type="date"' in str(form["day"]) and 'value="2026-12-05"' in str(form["day"])
            assert Form({"day": "2026-12-05"}).is_valid(), language
