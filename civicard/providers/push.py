"""Web push: VAPID keys made once at setup, messages encrypted for the device (RFC 8291,
aes128gcm) and posted to the browser's push service by pywebpush. The dummy provider keeps what
it would have sent, for tests and the demo; it cannot run in production."""

import base64
import json
from dataclasses import dataclass

from django.conf import settings
from py_vapid import Vapid02

GONE = {404, 410}  # the push service forgot the subscription: remove it


@dataclass(frozen=True)
class PushResult:
    status: int
    error: str = ""

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status in GONE


def vapid_key() -> Vapid02:
    """The install's VAPID key, created on first use in CIVICARD_VAPID_KEY_FILE."""
    path = settings.CIVICARD_VAPID_KEY_FILE
    if not path.exists():
        key = Vapid02()
        key.generate_keys()
        key.save_key(str(path))
    return Vapid02.from_file(str(path))


def application_server_key() -> str:
    """The public key a browser subscribes with (base64url, uncompressed point)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = vapid_key().public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class WebPushProvider:
    name = "webpush"

    def send(self, subscription, payload: dict) -> PushResult:
        from pywebpush import WebPushException, webpush

        try:
            response = webpush(
                subscription_info={"endpoint": subscription.endpoint,
                                   "keys": {"p256dh": subscription.p256dh,
                                            "auth": subscription.auth}},
                data=json.dumps(payload), vapid_private_key=vapid_key(),
                vapid_claims={"sub": settings.CIVICARD_VAPID_SUBJECT}, ttl=86400,
                timeout=settings.CIVICARD_PUSH_TIMEOUT_SECONDS)
        except WebPushException as error:
            status = error.response.status_code if error.response is not None else 0
            return PushResult(status=status, error=str(error)[:500])
        except OSError as error:  # no answer from the push service
            return PushResult(status=0, error=f"{type(error).__name__}: {error}"[:500])
        return PushResult(status=response.status_code)


class DummyPushProvider:
    """Keeps each message in `sent`; an endpoint ending in /gone answers 410."""

    name = "dummy"
    sent: list[tuple[str, dict]] = []

    def send(self, subscription, payload: dict) -> PushResult:
        if subscription.endpoint.endswith("/gone"):
            return PushResult(status=410, error="gone")
        self.sent.append((subscription.endpoint, payload))
        return PushResult(status=201)


PROVIDERS = {"webpush": WebPushProvider, "dummy": DummyPushProvider}


def provider():
    return PROVIDERS[settings.CIVICARD_PUSH_PROVIDER]()
