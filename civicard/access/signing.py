"""The server's Ed25519 key for allow-lists: from CIVICARD_TERMINAL_SIGNING_KEY (the 32-byte
private key in base64), else, outside production, a development key generated once under var/.
A missing or malformed key in production is a `SigningKeyUnusable` (HTTP 503), reported by
`check --deploy` and `/health`."""

import base64
import os
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from civicard.access.exceptions import SigningKeyUnusable

ENV = "CIVICARD_TERMINAL_SIGNING_KEY"


def configured_key() -> Ed25519PrivateKey | None:
    """The key from the environment; None when it is not set."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(value, validate=True))
    except ValueError:  # not base64, or not 32 bytes
        raise SigningKeyUnusable(SigningKeyUnusable.malformed) from None


@lru_cache(maxsize=1)
def private_key() -> Ed25519PrivateKey:
    key = configured_key()
    if key is not None:
        return key
    if settings.PRODUCTION:
        raise SigningKeyUnusable()
    path = settings.VAR_DIR / "terminal-signing-key.b64"
    if not path.exists():
        raw = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
            serialization.NoEncryption())
        path.write_text(base64.b64encode(raw).decode())
        path.chmod(0o600)
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text().strip()))


def public_key_b64() -> str:
    raw = private_key().public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def sign(data: bytes) -> str:
    return base64.b64encode(private_key().sign(data)).decode()


def verify(data: bytes, signature_b64: str, public_b64: str) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64)).verify(
            base64.b64decode(signature_b64), data)
        return True
    except (InvalidSignature, ValueError):
        return False
