"""The server's Ed25519 key for allow-lists: from CIVICARD_TERMINAL_SIGNING_KEY (the 32-byte
private key in base64), else a development key generated once under var/."""

import base64
import os
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENV = "CIVICARD_TERMINAL_SIGNING_KEY"


@lru_cache(maxsize=1)
def private_key() -> Ed25519PrivateKey:
    value = os.environ.get(ENV, "").strip()
    if value:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(value))
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(f"{ENV} must be set when CIVICARD_ENV=production.")
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
