"""`civicard check --deploy` fails on each misconfiguration and is clean when all is set;
`/health` says what is misconfigured without revealing a secret."""

import base64
import os
import subprocess
import sys

import pytest

from civicard.core.checks import configuration_problems

SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
SECRET = "a-long-random-secret-key-for-this-test-only-0123456789-abcdefghij"
PRODUCTION = {"CIVICARD_ENV": "production", "CIVICARD_SECRET_KEY": SECRET,
              "CIVICARD_TERMINAL_SIGNING_KEY": SIGNING_KEY,
              "CIVICARD_ALLOWED_HOSTS": "civicard.example.org", "CIVICARD_PAYMENT_PROVIDERS": ""}


def check_deploy(tmp_path, **changes):
    env = {**os.environ, "CIVICARD_VAR_DIR": str(tmp_path), **PRODUCTION, **changes}
    # tests/conftest.py allows async-unsafe calls for Playwright; a deployment never does.
    env = {name: value for name, value in env.items()
           if value is not None and name != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    run = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level",
                          "WARNING"], env=env, capture_output=True, text=True, timeout=120)
    return run.returncode, run.stdout + run.stderr


def test_the_production_shape_passes(tmp_path):
    assert check_deploy(tmp_path) == (0, "System check identified no issues (0 silenced).\n")


def test_the_production_shape_with_the_queue_in_redis_passes(tmp_path):
    """django-tasks-rq's own checks (django-rq installed, the queue configured) pass too."""
    assert check_deploy(tmp_path, CIVICARD_TASK_BACKEND="rq", REDIS_URL="redis://cache:6379/0",
                        CIVICARD_REDIS_URL="redis://queue:6379/1") == (
        0, "System check identified no issues (0 silenced).\n")


def test_the_queue_may_not_share_the_cache_s_redis_database(tmp_path):
    code, output = check_deploy(tmp_path, CIVICARD_TASK_BACKEND="rq",
                                REDIS_URL="redis://cache:6379/0", CIVICARD_REDIS_URL=None)
    assert code == 1 and "civicard.W301" in output


@pytest.mark.parametrize("changes,found", [
    ({"CIVICARD_TERMINAL_SIGNING_KEY": None}, "civicard.E101"),
    ({"CIVICARD_TERMINAL_SIGNING_KEY": "not-a-key"}, "civicard.E101"),
    ({"CIVICARD_ENV": "development", "CIVICARD_PAYMENT_PROVIDERS": None},
     "civicard.E201"),  # outside production the dummy bank is on by default
    ({"CIVICARD_ENV": "development", "CIVICARD_SECRET_KEY": None}, "civicard.E001"),
    ({"CIVICARD_PAYMENT_PROVIDERS": "paypal"}, "civicard.E202"),
])
def test_each_misconfiguration_fails(tmp_path, changes, found):
    code, output = check_deploy(tmp_path, **changes)
    assert code == 1
    assert found in output
    assert SIGNING_KEY not in output and SECRET not in output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    code, output = check_deploy(tmp_path, CIVICARD_SECRET_KEY=None)
    assert code == 1
    assert "CIVICARD_SECRET_KEY must be set when CIVICARD_ENV=production." in output


@pytest.mark.django_db
def test_health_lists_what_is_misconfigured(client, settings, monkeypatch):
    monkeypatch.delenv("CIVICARD_TERMINAL_SIGNING_KEY", raising=False)
    configuration_problems.cache_clear()
    try:
        answer = client.get("/health")
        assert answer.status_code == 200  # outside production a problem is reported only
        ids = [problem["id"] for problem in answer.json()["configuration"]]
        assert ids == ["civicard.E001", "civicard.E101", "civicard.E201"]
        settings.PRODUCTION = True
        configuration_problems.cache_clear()
        answer = client.get("/health")
        assert (answer.status_code, answer.json()["status"]) == (503, "degraded")
    finally:
        configuration_problems.cache_clear()


@pytest.mark.django_db
def test_a_missing_signing_key_in_production_answers_503_json_not_500(client, settings,
                                                                      monkeypatch):
    from civicard.access import signing

    monkeypatch.delenv("CIVICARD_TERMINAL_SIGNING_KEY", raising=False)
    settings.PRODUCTION = True
    signing.private_key.cache_clear()
    try:
        response = client.get("/api/terminals/public-key")
    finally:
        signing.private_key.cache_clear()
    assert response.status_code == 503
    assert response.json()["code"] == "signing_key_unusable"
