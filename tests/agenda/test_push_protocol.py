"""Web push end to end at the protocol level: a local HTTP endpoint stands in for the browser's
push service, checks the VAPID signature (RFC 8292) and decrypts the payload (RFC 8291,
aes128gcm) with the subscription's private key, using `cryptography` and `http_ece`."""

import base64
import http.server
import json
import os
import threading

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from civicard.agenda.models import Alert
from civicard.notifications.models import PushSubscription
from civicard.providers import push

from .conftest import AT


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser keeps for one subscription: its key pair and auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.p256dh = b64encode(self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


def verify_vapid(authorization: str, audience: str) -> dict:
    """Check `vapid t=<JWT>, k=<public key>`: the ES256 signature, the audience, the expiry."""
    scheme, _space, params = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    header, claims, signature = fields["t"].split(".")
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(fields["k"]))
    raw = b64decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if bad
    decoded = json.loads(b64decode(claims))
    assert json.loads(b64decode(header))["alg"] == "ES256"
    assert decoded["aud"] == audience
    return decoded


@pytest.fixture
def push_service():
    """A push service on 127.0.0.1 that decrypts what it receives for one browser."""
    browser, received = Browser(), []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/gone":
                self.send_response(410)
                self.end_headers()
                return
            try:
                claims = verify_vapid(self.headers["Authorization"],
                                      f"http://127.0.0.1:{self.server.server_address[1]}")
            except (InvalidSignature, AssertionError, KeyError, ValueError):
                self.send_response(401)
                self.end_headers()
                return
            payload = http_ece.decrypt(body, private_key=browser.private_key,
                                       auth_secret=browser.auth, version="aes128gcm")
            received.append({"claims": claims, "encoding": self.headers["Content-Encoding"],
                             "ttl": self.headers["TTL"], "payload": json.loads(payload)})
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", browser, received
    server.shutdown()
    server.server_close()


@pytest.fixture
def webpush(settings, tmp_path):
    settings.CIVICARD_PUSH_PROVIDER = "webpush"
    settings.CIVICARD_VAPID_KEY_FILE = tmp_path / "vapid.pem"
    settings.CIVICARD_VAPID_SUBJECT = "mailto:agenda@example.org"


def test_the_vapid_key_is_created_once_and_kept(webpush, settings):
    first = push.application_server_key()
    assert settings.CIVICARD_VAPID_KEY_FILE.exists()
    assert push.application_server_key() == first
    assert len(b64decode(first)) == 65 and b64decode(first)[0] == 4  # an uncompressed P-256 point


def test_an_alert_reaches_the_push_service_signed_and_encrypted(
        webpush, push_service, publish, follower, django_capture_on_commit_callbacks):
    endpoint, browser, received = push_service
    reader = follower("phone@example.org", language="en")
    PushSubscription.objects.create(person=reader, endpoint=f"{endpoint}/device-1",
                                    p256dh=browser.p256dh, auth=b64encode(browser.auth),
                                    created_at=AT)
    with django_capture_on_commit_callbacks(execute=True):
        event = publish()
    assert len(received) == 1
    message = received[0]
    assert message["encoding"] == "aes128gcm"
    assert message["ttl"] == "86400"
    assert message["claims"]["sub"] == "mailto:agenda@example.org"
    assert message["payload"] == {"title": "New in the agenda: Concert in the park",
                                  "body": message["payload"]["body"],
                                  "url": f"/agenda/events/{event.pk}/"}
    assert message["payload"]["body"].startswith("Concert in the park, ")
    assert Alert.objects.get(channel="push").status == "sent"


def test_a_gone_subscription_and_an_unreachable_service(webpush, push_service):
    endpoint, browser, _received = push_service
    gone = PushSubscription(endpoint=f"{endpoint}/gone", p256dh=browser.p256dh,
                            auth=b64encode(browser.auth))
    result = push.WebPushProvider().send(gone, {"title": "t"})
    assert (result.status, result.gone, result.delivered) == (410, True, False)
    unreachable = PushSubscription(endpoint="http://127.0.0.1:9/nobody", p256dh=browser.p256dh,
                                   auth=b64encode(browser.auth))
    result = push.WebPushProvider().send(unreachable, {"title": "t"})
    assert (result.status, result.delivered) == (0, False)
