from dataclasses import dataclass


@dataclass(frozen=True)
class Addressee:
    """Who a notice is for: the inbox it goes to (a person's id), the e-mail address that gets
    a copy ('' for none) and the language it is written in."""

    person_id: int
    email: str
    language: str


@dataclass(frozen=True)
class Attachment:
    """A text file sent with a notice's e-mail, e.g. an .ics calendar entry."""

    name: str
    mimetype: str
    text: str
