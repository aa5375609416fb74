"""A reference terminal: what a hardware vendor implements (docs/terminals.md), used by
`civicard terminal-sim`, the demo and the tests. It talks to the server through a `transport`
(HTTP by default) and keeps working offline from its signed allow-list."""

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

SOFTWARE_VERSION = "civicard-terminal-sim/1.0"


class SignatureInvalid(Exception):
    pass


class Unreachable(Exception):
    pass


def http_transport(base_url: str, timeout: float = 3.0) -> Callable:
    def send(method: str, path: str, body: dict | None, headers: dict):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method,
                                         headers={**headers, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
        except (urllib.error.URLError, OSError) as error:
            raise Unreachable(str(error)) from error
    return send


def real_now() -> datetime:
    return datetime.now(ZoneInfo("UTC"))


def _uid(credential: str) -> str | None:
    cleaned = "".join(ch for ch in credential.upper() if ch not in " :-")
    if 8 <= len(cleaned) <= 20 and all(ch in "0123456789ABCDEF" for ch in cleaned):
        return cleaned
    return None


@dataclass
class Simulator:
    transport: Callable
    token: str
    timezone: str = "Europe/Paris"
    offline: bool = False
    public_key: str | None = None
    allowlist: dict | None = None
    cards: dict = field(default_factory=dict)
    buffer: list = field(default_factory=list)
    now: Callable = field(default=real_now)

    def _call(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.token}",
                   "X-Civicard-Software": SOFTWARE_VERSION}
        return self.transport(method, path, body, headers)

    # -- online --------------------------------------------------------------------------
    def fetch_public_key(self) -> str:
        status, _headers, body = self._call("GET", "/api/terminals/public-key")
        self.public_key = json.loads(body)["public_key"]
        return self.public_key

    def sync(self) -> dict:
        """Fetch the allow-list (a delta when we have one), verify it, apply it."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        if self.public_key is None:
            self.fetch_public_key()
        since = f"?since={self.allowlist['version']}" if self.allowlist else ""
        status, headers, body = self._call("GET", f"/api/terminals/allowlist{since}")
        if status != 200:
            raise Unreachable(f"HTTP {status}: {body[:200]!r}")
        signature = {k.lower(): v for k, v in headers.items()}.get("x-civicard-signature", "")
        try:
            Ed25519PublicKey.from_public_bytes(base64.b64decode(self.public_key)).verify(
                base64.b64decode(signature), body)
        except (InvalidSignature, ValueError) as error:
            raise SignatureInvalid() from error
        document = json.loads(body)
        if document["full"]:
            self.cards = {}
        for short in document["remove"]:
            self.cards.pop(short, None)
        for short, profile in document["cards"]:
            self.cards[short] = profile
        self.allowlist = document
        return document

    def upload(self) -> dict | None:
        if not self.buffer:
            return None
        status, _headers, body = self._call("POST", "/api/terminals/events",
                                            {"events": self.buffer})
        if status != 200:
            raise Unreachable(f"HTTP {status}: {body[:200]!r}")
        self.buffer = []
        return json.loads(body)

    def scan(self, credential: str, *, at: datetime | None = None) -> dict:
        key = str(uuid.uuid4())
        if not self.offline:
            body = {"credential": credential, "idempotency_key": key}
            if at is not None:
                body["at"] = at.isoformat()
            try:
                for _attempt in range(3):  # retries reuse the key: one decision, one charge
                    status, _headers, raw = self._call("POST", "/api/terminals/scan", body)
                    if status < 500:
                        answer = json.loads(raw)
                        answer.setdefault("decision", "error")
                        return answer
            except Unreachable:
                pass
        return self.decide_offline(credential, at=at or self.now(), key=key)

    # -- offline -------------------------------------------------------------------------
    def decide_offline(self, credential: str, *, at: datetime, key: str) -> dict:
        decision, reason = "deny", "card_unknown"
        uid = _uid(credential)
        if self.allowlist is None:
            reason = "card_unknown"
        elif uid is not None:
            digest = hmac.new(base64.b64decode(self.allowlist["hash"]["key"]), uid.encode(),
                              hashlib.sha256).hexdigest()[:self.allowlist["hash"]["chars"]]
            profile_index = self.cards.get(digest)
            if profile_index is not None:
                profile = self.allowlist["profiles"][profile_index]
                local = at.astimezone(ZoneInfo(self.timezone))
                decision, reason = self._by_profile(profile, local)
        event = {"idempotency_key": key, "credential": uid or credential[:200],
                 "at": at.isoformat(), "decision": decision, "reason_code": reason}
        self.buffer.append(event)
        return {"decision": decision, "reason_code": reason, "offline": True,
                "message": "", "display_name": ""}

    def _by_profile(self, profile: dict, local: datetime) -> tuple[str, str]:
        for opens, ends in profile.get("grants", ()):  # a booked slot: whatever the hours
            if datetime.fromisoformat(opens) <= local < datetime.fromisoformat(ends):
                return "allow", "ok"
        if profile["kind"] == "granted":
            return "deny", "no_right"
        if profile["kind"] == "staff":
            for weekday, starts, ends in profile["windows"]:
                s, e = time.fromisoformat(starts), time.fromisoformat(ends)
                t, day = local.time().replace(tzinfo=None), local.weekday()
                if s < e and day == weekday and s <= t < e:
                    return "allow", "ok"
                if s >= e and ((day == weekday and t >= s)
                               or (day == (weekday + 1) % 7 and t < e)):
                    return "allow", "ok"
            return "deny", "no_right"
        import opening_hours
        try:
            open_now = opening_hours.OpeningHours(
                profile["opening_hours"], country=profile.get("country") or None
            ).is_open(local.replace(tzinfo=None))
        except Exception:
            open_now = False
        return ("allow", "ok") if open_now else ("deny", "closed")
