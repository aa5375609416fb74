"""The production shape, started as deploy/ starts it: gunicorn (civicard-web.service's command)
with CIVICARD_ENV=production behind what Caddy would send, a `civicard worker` process and a
local SMTP server; a smoke path over HTTP. Processes are stopped whatever happens."""

import email
import email.policy
import json
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

import pytest
from aiosmtpd.controller import Controller
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.ops.conftest import ROOT, free_port, unit_command, unit_environment
from tests.ops.territory import (
    AGENT_EMAIL,
    CARD_UID,
    ENTRY_CENTS,
    OPENING_CENTS,
    PASSWORD,
    RESIDENT_EMAIL,
    TERMINAL_TOKEN,
    TOTP_SECRET,
)

METRICS_TOKEN = "smoke-metrics-token"
WAIT = 60  # seconds for anything to happen before the test fails


class Inbox:
    """What the local SMTP server received."""

    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted"


class Smtp:
    """aiosmtpd on a fixed local port, which the test stops and starts again."""

    def __init__(self, port: int):
        self.port, self.inbox, self.controller = port, Inbox(), None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Browser:
    """A tiny HTTP client speaking as Caddy forwards (X-Forwarded-Proto: https): it keeps the
    cookies itself, as they are Secure and the test talks plain HTTP to gunicorn."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base, self.cookies = base, {}
        self.opener = urllib.request.build_opener(self._NoRedirect)

    def request(self, method, path, *, form=None, json_body=None, headers=None):
        data, sent = None, {"X-Forwarded-Proto": "https", **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        if method == "POST":
            sent["Origin"] = self.base.replace("http://", "https://")
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(self.base + path, data=data, headers=sent,
                                         method=method)
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        response.text = response.read().decode()
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_form(self, path, fields):
        """A form posted with the CSRF token of the page it is on."""
        page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        return self.request("POST", path, form={"csrfmiddlewaretoken": token, **fields})


def wait_for(what, condition, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"waited {timeout}s for {what}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def production(make_site, tmp_path):
    """A filled production install: gunicorn and a worker running, SMTP up."""
    web_port, smtp_port = free_port(), free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    site = make_site(
        "smoke",
        CIVICARD_ENV="production",
        CIVICARD_SECRET_KEY=secrets.token_urlsafe(50),
        CIVICARD_ALLOWED_HOSTS="127.0.0.1",
        CIVICARD_BASE_URL=f"https://127.0.0.1:{web_port}",
        CIVICARD_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        CIVICARD_EMAIL_HOST="127.0.0.1",
        CIVICARD_EMAIL_PORT=str(smtp_port),
        CIVICARD_DELIVERY_RETRY_SECONDS="1",
        CIVICARD_DELIVERY_MAX_ATTEMPTS="10",
        CIVICARD_METRICS_TOKEN=METRICS_TOKEN,
        CIVICARD_PSEUDONYM_SECRET=secrets.token_urlsafe(32),
    )
    started = time.monotonic()
    ids = site.territory("fill")
    print(f"filled in {time.monotonic() - started:.1f}s")
    site.run("-m", "django", "collectstatic", "--no-input", "-v0",
             "--settings", "tests.ops.static_settings")
    print(f"static files collected in {time.monotonic() - started:.1f}s")
    checked = site.run("check", "--deploy", "--fail-level", "ERROR")  # ExecStartPre
    print(checked.stdout, checked.stderr)

    smtp = Smtp(smtp_port)
    smtp.start()
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = []

    def start(name, command, **environ):
        log = (logs / f"{name}.log").open("w")
        processes.append(subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log,
                                          env={**site.environ, **environ}))

    try:
        start("web", unit_command("civicard-web.service",
                                  **{"127.0.0.1:8000": f"127.0.0.1:{web_port}"}),
              **{**unit_environment("civicard-web.service"),
                 "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
        start("worker", unit_command("civicard-worker.service"))
        base = f"http://127.0.0.1:{web_port}"
        wait_for("gunicorn to answer /health", lambda: _healthy(base), timeout=120)
        yield {"site": site, "base": base, "smtp": smtp, "ids": ids, "logs": logs}
    finally:
        for process in processes:
            stop(process)
        smtp.stop()
    for process in processes:
        assert process.returncode in (0, -signal.SIGTERM), (logs / "web.log").read_text()


def _healthy(base):
    try:
        with urllib.request.urlopen(urllib.request.Request(
                base + "/health", headers={"X-Forwarded-Proto": "https"}), timeout=30) as answer:
            return answer.status == 200
    except OSError:  # not listening yet, or a worker still booting
        return False


def metric(browser, name, **labels):
    text = browser.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        found = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if found and found[1] == name and ",".join(sorted(filter(None, (found[2] or "")
                                                                  .split(",")))) == wanted:
            return float(found[3])
    return None


def test_the_production_shape_serves_a_smoke_path(production):
    base, smtp, ids = production["base"], production["smtp"], production["ids"]
    agent = Browser(base)

    health = agent.get("/health")
    assert (health.status, json.loads(health.text)["status"]) == (200, "ok")
    home = agent.get("/")
    assert home.status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", home.headers["X-Request-ID"])
    assert "script-src 'self'" in home.headers["Content-Security-Policy"]
    assert home.headers["Strict-Transport-Security"].startswith("max-age=31536000")

    # Log in as the counter agent, with the TOTP every staff login needs.
    step = agent.post_form("/accounts/login/", {"login": AGENT_EMAIL, "password": PASSWORD})
    assert (step.status, step.headers["Location"]) == (302, "/accounts/2fa/authenticate/")
    code = format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))
    logged_in = agent.post_form("/accounts/2fa/authenticate/", {"code": code})
    assert logged_in.status == 302, logged_in.text

    # A scan at the turnstile pays an entry.
    terminal = {"Authorization": f"Bearer {TERMINAL_TOKEN}"}
    scan = agent.request("POST", "/api/terminals/scan", headers=terminal,
                         json_body={"credential": CARD_UID, "idempotency_key": "smoke-1"})
    assert scan.status == 200, scan.text
    assert {k: json.loads(scan.text)[k] for k in ("decision", "balance_cents")} == {
        "decision": "allow", "balance_cents": OPENING_CENTS - ENTRY_CENTS}

    # The agent tops the household's pool account up by 10.00 at the counter.
    wallets = f"/counter/households/{ids['household']}/wallets/"
    assert agent.get(wallets).status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', agent.get(wallets).text)[1]
    top_up = agent.request("POST", f"/counter/accounts/{ids['account']}/top-up/", form={
        "csrfmiddlewaretoken": token, "amount": "10.00", "means": "cash",
        "request_key": "smoke-top-up"})
    assert top_up.status == 302, top_up.text
    assert top_up.headers["Location"].startswith(wallets + "?receipt=")
    scan = agent.request("POST", "/api/terminals/scan", headers=terminal,
                         json_body={"credential": CARD_UID, "idempotency_key": "smoke-2"})
    assert json.loads(scan.text)["balance_cents"] == OPENING_CENTS + 1000 - 2 * ENTRY_CENTS

    # A password reset e-mail goes out through the worker to the SMTP server.
    visitor = Browser(base)
    asked = visitor.post_form("/accounts/password/reset/", {"email": RESIDENT_EMAIL})
    assert asked.status == 302, asked.text
    [first] = wait_for("the first e-mail", lambda: list(smtp.inbox.messages))
    assert first["To"] == RESIDENT_EMAIL
    # In French, the territory's language.
    assert first["Subject"].strip() == "[Civicard] E-mail de réinitialisation de mot de passe"
    assert "/accounts/password/reset/key/" in first.get_content()

    # With the SMTP server down, the delivery fails, is kept and retried once it is back.
    smtp.stop()
    visitor.post_form("/accounts/password/reset/", {"email": RESIDENT_EMAIL})
    wait_for("the worker to record a failed attempt",
             lambda: metric(agent, "civicard_deliveries_retrying") == 1)
    assert len(smtp.inbox.messages) == 1
    smtp.start()
    wait_for("the retried e-mail", lambda: len(smtp.inbox.messages) == 2)
    assert smtp.inbox.messages[1]["To"] == RESIDENT_EMAIL
    wait_for("nothing left to send",
             lambda: metric(agent, "civicard_deliveries_unsent", status="pending") == 0)
    assert metric(agent, "civicard_deliveries_retrying") == 0

    # Metrics add up every gunicorn worker's requests; JSON logs carry the request ids.
    assert metric(agent, "civicard_http_requests_total", method="POST",
                  route="/api/terminals/scan", status="200") == 2
    assert metric(agent, "civicard_terminal_decisions_recent",
                  outcome="allow", reason=json.loads(scan.text)["reason_code"]) == 2
    assert metric(agent, "civicard_tasks_ready", queue="default") in (None, 0)
    web_log = (production["logs"] / "web.log").read_text()
    lines = [json.loads(line) for line in web_log.splitlines() if line.startswith("{")]
    assert [(line["status"], line["method"]) for line in lines
            if line.get("request_id") == home.headers["X-Request-ID"]] == [(200, "GET")]

    ledger = production["site"].run("check-ledger")
    assert "Ledger consistent" in ledger.stdout
