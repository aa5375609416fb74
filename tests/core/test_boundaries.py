"""No app writes another app's tables: it calls that app's operations. Import contracts
(pyproject.toml, `make imports`) hold the imports; this holds the ORM writes, which an import
of a model for reading does not show. Demo loaders seed data and are left out."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

WRITES = {"create", "bulk_create", "update", "bulk_update", "delete", "get_or_create",
          "update_or_create"}
APPS = Path(settings.BASE_DIR) / "civicard"


def _models_of_other_apps(tree: ast.Module, app: str) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.ImportFrom) and node.module
                and node.module.startswith("civicard.") and node.module.endswith(".models")
                and node.module.split(".")[1] != app):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def writes_to_other_apps(source: str, app: str) -> list[str]:
    """`Model.objects….create/update/delete…(…)` where Model comes from another app."""
    tree = ast.parse(source)
    foreign, found = _models_of_other_apps(tree, app), []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in WRITES):
            continue
        root, through_manager = node.func.value, False
        while isinstance(root, ast.Call | ast.Attribute):
            through_manager |= isinstance(root, ast.Attribute) and root.attr == "objects"
            root = root.func if isinstance(root, ast.Call) else root.value
        if through_manager and isinstance(root, ast.Name) and root.id in foreign:
            found.append(f"line {node.lineno}: {root.id}.objects….{node.func.attr}()")
    return found


def _modules():
    for path in sorted(APPS.glob("*/**/*.py")):
        relative = path.relative_to(APPS)
        if "migrations" not in relative.parts and path.name != "demo.py":
            yield pytest.param(path, relative.parts[0], id=str(relative))


@pytest.mark.parametrize(("path", "app"), list(_modules()))
def test_no_app_writes_another_apps_tables(path, app):
    assert writes_to_other_apps(path.read_text(), app) == []


def test_the_check_finds_a_write_through_another_apps_manager():
    source = ("from civicard.wallets.models import LedgerEntry, Account\n"
              "from civicard.access.models import Decision\n"
              "LedgerEntry.objects.create(amount_cents=1)\n"
              "Account.objects.filter(pk=1).update(balance_cents=0)\n"
              "Decision.objects.create()\n"
              "Account.objects.filter(pk=1).exists()\n")
    assert writes_to_other_apps(source, "access") == [
        "line 3: LedgerEntry.objects….create()", "line 4: Account.objects….update()"]
