"""Voucher codes: 12 random Crockford base32 characters (60 bits) and a mod-37 check character.

Printed as XXXX-XXXX-XXXX-C. Reading is forgiving (case, spaces, dashes, O→0, I/L→1, U is a
check symbol only). The check character catches every single wrong character and every swap of
two neighbouring characters, so a typo is told apart from an unknown code without a look-up."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CHECK_ALPHABET = ALPHABET + "*~$=U"  # 37 check symbols
BODY_LENGTH = 12
LENGTH = BODY_LENGTH + 1
QR_PREFIX = "CV1."
_NORMALISE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_char(body: str) -> str:
    value = 0
    for char in body:
        value = value * 32 + ALPHABET.index(char)
    return CHECK_ALPHABET[value % 37]


def new_code() -> str:
    """A fresh random code whose check character is a plain letter or digit too (the five
    extra check symbols are still read, they are just never printed: easier to type)."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
        check = check_char(body)
        if check in ALPHABET:
            return body + check


def normalise(text: str) -> str:
    """Upper case, without separators or the QR prefix; O/I/L read as 0/1."""
    text = (text or "").strip().upper()
    if text.startswith(QR_PREFIX):
        text = text[len(QR_PREFIX):]
    text = "".join(ch for ch in text if ch not in " -.\t")
    return text[:BODY_LENGTH].translate(_NORMALISE) + text[BODY_LENGTH:]


def looks_like_voucher(text: str) -> bool:
    code = normalise(text)
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code[:BODY_LENGTH])


def is_valid(code: str) -> bool:
    return (len(code) == LENGTH and all(ch in ALPHABET for ch in code[:BODY_LENGTH])
            and code[BODY_LENGTH] == check_char(code[:BODY_LENGTH]))


def corrections(code: str) -> set[str]:
    """Valid codes one typo away from `code`: a single wrong character (body or check) or two
    neighbouring characters swapped. The caller keeps those that exist."""
    if len(code) != LENGTH or not all(ch in ALPHABET for ch in code[:BODY_LENGTH]):
        return set()
    body, check = code[:BODY_LENGTH], code[BODY_LENGTH]
    found = {body + check_char(body)} if check != check_char(body) else set()
    for index in range(BODY_LENGTH):
        for char in ALPHABET:
            if char != body[index]:
                candidate = body[:index] + char + body[index + 1:]
                if check_char(candidate) == check:
                    found.add(candidate + check)
    for index in range(BODY_LENGTH - 1):
        swapped = body[:index] + body[index + 1] + body[index] + body[index + 2:]
        if swapped != body and check_char(swapped) == check:
            found.add(swapped + check)
    return found


def display(code: str) -> str:
    return f"{code[0:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}"


def qr_payload(code: str) -> str:
    return QR_PREFIX + code
