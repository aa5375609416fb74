"""Fresh PostgreSQL databases for the drills that run Civicard as separate processes: each is a
copy of the migrated test database (CREATE DATABASE … TEMPLATE, a file copy; the tests ask for
`transactional_db` so that it exists and holds no open transaction), filled with the small
territory of tests/ops/territory.py and dropped afterwards."""

import base64
import json
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"


class Server:
    """The PostgreSQL server of the test run, reached as its superuser."""

    def __init__(self, settings_dict: dict):
        self.settings = settings_dict
        self.template = settings_dict["NAME"]

    def url(self, database: str) -> str:
        s = self.settings
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        return (f"postgres://{s.get('USER') or 'postgres'}{password}@{s.get('HOST') or '127.0.0.1'}"
                f":{s.get('PORT') or 5432}/{database}")

    def admin(self, *statements, params=None):
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            return [admin.execute(statement, params).fetchall() if "SELECT" in statement
                    else admin.execute(statement, params) for statement in statements]

    def create_from_template(self, database: str) -> None:
        connections.close_all()  # a template must have no session
        self.drop(database)
        self.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            params=[self.template])
        self.admin(f'CREATE DATABASE "{database}" TEMPLATE "{self.template}"')

    def drop(self, database: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def exists(self, database: str) -> bool:
        [rows] = self.admin("SELECT 1 FROM pg_database WHERE datname = %s", params=[database])
        return bool(rows)

    def row_counts(self, database: str) -> dict[str, int]:
        with psycopg.connect(self.url(database)) as db:
            tables = [name for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
            return {table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                    for table in tables}


@pytest.fixture
def pg_server(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("runs Civicard's processes on PostgreSQL: the PostgreSQL pass of make test")
    return Server(dict(connection.settings_dict))


def new_signing_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())
    return base64.b64encode(raw).decode()


class Site:
    """One install: its database, its files and the environment its processes run with."""

    def __init__(self, server: Server, database: str, var_dir: Path, environ: dict):
        self.server, self.database, self.var_dir = server, database, var_dir
        self.environ = environ

    def run(self, *args, check=True, **environ) -> subprocess.CompletedProcess:
        """A `civicard` command (or `python -m …` when args start with -m) in this install."""
        program = [sys.executable] if args[0] == "-m" else [str(VENV_BIN / "civicard")]
        result = subprocess.run([*program, *args], cwd=ROOT, capture_output=True, text=True,
                                env={**self.environ, **environ}, timeout=180)
        if check:
            assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
        return result

    def territory(self, what: str, **environ) -> dict:
        return json.loads(self.run("-m", "tests.ops.territory", what, **environ).stdout)


@pytest.fixture
def make_site(pg_server, tmp_path):
    created = []

    def make(name: str, **environ) -> Site:
        database = f"civicard_ops_{name}"
        pg_server.create_from_template(database)
        created.append(database)
        var_dir = tmp_path / name / "var"
        var_dir.mkdir(parents=True)
        # a site is its one database: no replica of the suite's (make test-postgres names one)
        base = {key: value for key, value in os.environ.items()
                if not key.startswith(("CIVICARD_", "DJANGO_", "PROMETHEUS_"))
                and key != "DATABASE_REPLICA_URL"}
        site_environ = {**base, "DATABASE_URL": pg_server.url(database),
                        "CIVICARD_VAR_DIR": str(var_dir),
                        "CIVICARD_TERMINAL_SIGNING_KEY": new_signing_key(), **environ}
        return Site(pg_server, database, var_dir, site_environ)

    yield make
    for database in created:
        pg_server.drop(database)


DEPLOY = ROOT / "deploy"


def unit_command(unit: str, **replace: str) -> list[str]:
    """A unit's ExecStart as arguments, run from this checkout instead of /srv/civicard."""
    text = (DEPLOY / unit).read_text().replace("\\\n", " ")
    [line] = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    command = line.removeprefix("ExecStart=").replace("/srv/civicard/.venv", str(ROOT / ".venv"))
    for old, new in replace.items():
        assert old in command, f"{unit} no longer has {old}"
        command = command.replace(old, new)
    return shlex.split(command)


def unit_environment(unit: str) -> dict[str, str]:
    """The Environment= lines of a unit."""
    pairs = [line.removeprefix("Environment=").split("=", 1)
             for line in (DEPLOY / unit).read_text().splitlines()
             if line.startswith("Environment=")]
    return dict(pairs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
