"""A notice's words kept language-neutral: the sentence as its English msgid (with its context
and plural, if any) and its parameters as data (the territory's names, dates, amounts), written
out in the reader's language when read, or in the addressee's when e-mailed.

Callers write sentences with `gettext_lazy` (or `pgettext_lazy`, `ngettext_lazy`…) as they
always did: `Sentence.of` recovers the msgid from the lazy string. Plain text (already written,
e.g. by a library) has no sentence and is kept as written."""

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, npgettext, pgettext

from civicard.core.money import format_cents
from civicard.territory.queries import Name, local_name

GETTEXTS = {gettext: ("msgid",), pgettext: ("context", "msgid")}
NGETTEXTS = {ngettext: False, npgettext: True}  # with a context or not


@dataclass(frozen=True)
class Sentence:
    msgid: str
    context: str = ""
    plural: str = ""
    number: str | int = ""  # the parameter whose value picks the plural form, or the count

    @classmethod
    def of(cls, text) -> "Sentence | None":
        """The sentence behind a lazy translation, or None for text already written."""
        if not isinstance(text, Promise):
            return None
        rebuild, args = text.__reduce__()
        if rebuild.__name__ == "_lazy_proxy_unpickle":  # gettext_lazy and the like
            func, positional, named = args[0], args[1], args[2]
            if func in GETTEXTS:
                return cls(**dict(zip(GETTEXTS[func], positional, strict=True)))
            if func in NGETTEXTS:
                return cls(msgid=named["singular"], plural=named["plural"],
                           context=named.get("context", ""), number=named["number"])
        elif rebuild.__name__ == "_lazy_number_unpickle" and args[0] in NGETTEXTS:
            func, _resultclass, number, named = args
            return cls(msgid=named["singular"], plural=named["plural"],
                       context=named.get("context", ""), number=number or "")
        return None

    @classmethod
    def from_json(cls, data: dict) -> "Sentence | None":
        return cls(**data) if data else None

    def as_json(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value != ""}

    def text(self, values: dict) -> str:
        """The sentence in the active language, before its parameters are put in."""
        if self.plural:
            count = values.get(self.number, 0) if isinstance(self.number, str) else self.number
            if self.context:
                return npgettext(self.context, self.msgid, self.plural, count)
            return ngettext(self.msgid, self.plural, count)
        return pgettext(self.context, self.msgid) if self.context else gettext(self.msgid)


class Texts(dict):
    """A parameter given in several languages (an event's title): the reader's, else `default`'s,
    else any."""

    def __init__(self, texts: dict[str, str], default: str):
        super().__init__(texts)
        self.default = default


@dataclass(frozen=True)
class Amount:
    cents: int
    currency: str


def encode(params: dict | None, language: str) -> dict:
    """Parameters as JSON data. A value of no known kind is written out now, in `language`."""
    return {name: _encoded(value, language) for name, value in (params or {}).items()}


def _encoded(value, language: str):
    if isinstance(value, Name):
        return {"name": str(value)}
    if isinstance(value, Texts):
        return {"texts": dict(value), "default": value.default}
    if isinstance(value, Amount):
        return {"cents": value.cents, "currency": value.currency}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(value)
    sentence = Sentence.of(value)
    if sentence is not None:
        return {"sentence": sentence.as_json()}
    with translation.override(language):
        return str(value)


def _written(value):
    """A decoded parameter written in the active language."""
    if not isinstance(value, dict):
        return value
    if "name" in value:
        return local_name(value["name"])
    if "texts" in value:
        texts = value["texts"]
        return (texts.get(translation.get_language()) or texts.get(value["default"])
                or next(iter(texts.values()), ""))
    if "cents" in value:
        return format_cents(value["cents"], value["currency"])
    if "datetime" in value:
        moment = datetime.fromisoformat(value["datetime"])
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "DATETIME_FORMAT")
    if "date" in value:
        return date_format(date.fromisoformat(value["date"]), "DATE_FORMAT")
    if "time" in value:
        return time_format(time.fromisoformat(value["time"]), "TIME_FORMAT")
    if "sentence" in value:
        return Sentence(**value["sentence"]).text({})
    return str(value)


def render(sentence: Sentence, params: dict, language: str | None = None) -> str:
    """The sentence with its parameters, in `language` (the active one when None). A catalog
    whose translation lost a placeholder falls back to English rather than break a page."""
    with translation.override(language or translation.get_language()):
        values = {name: _written(value) for name, value in params.items()}
        text = sentence.text(params)
        try:
            return text % values if values else text
        except (KeyError, ValueError, TypeError):
            with translation.override(None):
                english = sentence.text(params)
        try:
            return english % values if values else english
        except (KeyError, ValueError, TypeError):
            return english


def write(text, params: dict | None, language: str) -> str:
    """Text written out now in `language` (for words that are not stored)."""
    sentence = Sentence.of(text)
    if sentence is None:
        with translation.override(language):
            text = str(text)
            return text % {name: _written(_encoded(value, language))
                           for name, value in params.items()} if params else text
    return render(sentence, encode(params, language), language)
