"""deploy/: the systemd units and the Caddy site file are valid for their tools, and the
environment template names every variable Civicard reads."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))
ENVIRON_READERS = {"os.environ.get", "os.getenv", "env_flag"}


def variables_read(source: str) -> set[str]:
    """Names passed to os.environ.get / os.getenv / env_flag or os.environ[...] in a module,
    literally or through a module-level constant."""
    tree = ast.parse(source)
    constants = {
        target.id: node.value.value
        for node in tree.body if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets if isinstance(target, ast.Name)
    }

    def name_of(node) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and ast.unparse(node.func) in ENVIRON_READERS:
            names.add(name_of(node.args[0]))
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            names.add(name_of(node.slice))
    return names - {None}


def test_the_scan_finds_each_way_of_reading_a_variable():
    source = ('import os\nKEY = "B"\nos.environ.get("A", "")\nos.environ.get(KEY)\n'
              'env_flag("C", True)\nos.environ["D"]\nos.getenv("E")\nos.environ.get(other)\n')
    assert variables_read(source) == {"A", "B", "C", "D", "E"}


def test_the_environment_template_names_every_variable_read():
    read = set()
    for module in (ROOT / "civicard").rglob("*.py"):
        read |= variables_read(module.read_text())
    read -= {"DJANGO_SETTINGS_MODULE"}  # set by the civicard command and wsgi.py themselves
    template = (DEPLOY / "civicard.env.template").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", template, flags=re.MULTILINE))
    assert {"CIVICARD_SECRET_KEY", "DATABASE_URL", "CIVICARD_TERMINAL_SIGNING_KEY",
            "CIVICARD_METRICS_TOKEN"} <= read
    assert sorted(read - listed) == []
    assert sorted(listed - read) == []


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_systemd_units_verify(tmp_path):
    # The units name /srv/civicard; verify checks that their commands exist, so point them here.
    for unit in UNITS:
        text = unit.read_text().replace("/srv/civicard/.venv", str(ROOT / ".venv"))
        (tmp_path / unit.name).write_text(text)
    assert {unit.name for unit in UNITS} >= {
        "civicard-web.service", "civicard-worker.service", "civicard-daily.service",
        "civicard-daily.timer", "civicard-backup.service", "civicard-backup.timer"}
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(unit.name for unit in UNITS)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.skipif(shutil.which("caddy") is None, reason="needs Debian's caddy package")
def test_the_caddy_site_file_is_valid():
    result = subprocess.run(
        ["caddy", "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr
    formatted = subprocess.run(["caddy", "fmt", str(DEPLOY / "Caddyfile")],
                               capture_output=True, text=True, timeout=60)
    assert formatted.stdout == (DEPLOY / "Caddyfile").read_text()


def test_the_daily_jobs_are_the_commands_the_guide_names():
    unit = (DEPLOY / "civicard-daily.service").read_text()
    commands = re.findall(r"^ExecStart=-?\S+/civicard (\S+)$", unit, flags=re.MULTILINE)
    assert commands == ["benefits_notices", "send_inclusion_reminders", "erase_expired_reports",
                        "bookings_no_shows", "library_reminders"]


def test_a_shell_reads_the_environment_template_as_systemd_does():
    result = subprocess.run(
        ["bash", "-c", 'set -a && . "$0" && printf "%s|%s" "$CIVICARD_ENV" "$CIVICARD_FROM_EMAIL"',
         str(DEPLOY / "civicard.env.template")], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "production|Civicard <no-reply@civicard.example.org>"
