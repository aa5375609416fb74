"""The rotating code of a digital card (RFC 6238 TOTP: HMAC-SHA1, 30 s, 8 digits), card
numbers (with a Luhn check digit) and the keyed hash under which chip UIDs are stored.
The same TOTP is computed on the phone by static/cards/card.js."""

import base64
import hashlib
import hmac
import re
import secrets
import struct

from django.conf import settings

STEP_SECONDS = 30
DIGITS = 8
TOLERANCE_STEPS = 1  # the code before and after the current one are accepted (clock drift)
REPLAY_WINDOW_STEPS = 120  # an older code of the last hour is "expired", not "unknown"
QR_PREFIX = "CC1"  # rotating code: CC1.<card number>.<code>
STATIC_PREFIX = "CC0"  # printed card, counter lookups only: CC0.<card number>


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def totp(secret: str, step: int) -> str:
    key = base64.b32decode(secret)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** DIGITS).zfill(DIGITS)


def step_at(timestamp: float) -> int:
    return int(timestamp // STEP_SECONDS)


def qr_payload(number: str, secret: str, timestamp: float) -> str:
    return f"{QR_PREFIX}.{number}.{totp(secret, step_at(timestamp))}"


def static_payload(number: str) -> str:
    return f"{STATIC_PREFIX}.{number}"


def code_age(secret: str, code: str, timestamp: float) -> int | None:
    """How many steps old the code is (negative: from the near future), None if never seen."""
    now_step = step_at(timestamp)
    for delta in range(-TOLERANCE_STEPS, REPLAY_WINDOW_STEPS + 1):
        if hmac.compare_digest(totp(secret, now_step - delta), code):
            return delta
    return None


def luhn_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_number() -> str:
    body = "79" + "".join(secrets.choice("0123456789") for _ in range(9))
    return body + luhn_digit(body)


def number_is_valid(number: str) -> bool:
    return bool(re.fullmatch(r"\d{12}", number)) and luhn_digit(number[:-1]) == number[-1]


def format_number(number: str) -> str:
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


UID_RE = re.compile(r"^[0-9A-F]{8,20}$")


def normalise_uid(uid: str) -> str | None:
    cleaned = re.sub(r"[\s:\-]", "", (uid or "")).upper()
    return cleaned if UID_RE.match(cleaned) else None


def uid_hash_key() -> bytes:
    """The key under which chip UIDs are stored (and sent to offline terminals)."""
    return hashlib.sha256(b"civicard-card-uid:" + settings.SECRET_KEY.encode()).digest()


def uid_hash(uid: str) -> str:
    return uid_hash_with(uid_hash_key(), uid)


def uid_hash_with(key: bytes, uid: str) -> str:
    """`uid_hash` with the key computed once, for many cards."""
    return hmac.new(key, uid.encode(), hashlib.sha256).hexdigest()
