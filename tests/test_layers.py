"""The layers hold: the ledger knows no domain app, and no domain app reads the ledger's tables with SQL.

Domain apps depend on the ledger, never the reverse (a domain import inside it would make every
app to come a dependency of the books). And what the ledger's tables mean is the ledger's
business: outside it, they are read through `smartcoop.ledger.selectors`, so a change of the
ledger's storage is a change of one package.
"""

import ast
import re
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "smartcoop" / "ledger"
DOMAIN_APPS = ("members", "activities", "contracts", "invoicing", "payroll", "governance")


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (inside functions and TYPE_CHECKING blocks too)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def test_the_ledger_imports_no_domain_app() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(LEDGER.rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.split(".")[0] in DOMAIN_APPS
    ]

    assert offending == []


def test_the_ledgers_migrations_depend_on_no_domain_app() -> None:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    # The user model is reached through settings.AUTH_USER_MODEL (a swappable dependency), as in the code.
    offending = [
        f"ledger {name} depends on {dependency[0]} {dependency[1]}"
        for (app_label, name), migration in loader.disk_migrations.items()
        if app_label == "ledger"
        for dependency in migration.dependencies
        if dependency[0] in DOMAIN_APPS and getattr(dependency, "setting", None) != settings.AUTH_USER_MODEL
    ]

    assert offending == []


def _ledger_tables() -> list[str]:
    return sorted(model._meta.db_table for model in apps.get_app_config("ledger").get_models())


def test_no_module_outside_the_ledger_names_a_ledger_table() -> None:
    tables = _ledger_tables()
    assert {"ledger_leg", "ledger_transaction", "ledger_account", "ledger_balance", "ledger_dailymovement"} <= set(
        tables
    )
    # The ledger itself, its tests and the migrations (which may create or load tables) are the exceptions.
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    sources = [
        ROOT / name
        for name in listed
        if not name.startswith(("smartcoop/ledger/", "tests/")) and "/migrations/" not in name
    ]
    named = re.compile(r"\b(" + "|".join(tables) + r")\b")

    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if path.exists()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if named.search(line)
    ]

    assert offending == []


@pytest.mark.django_db
def test_the_roles_read_the_ledger_and_only_accountants_and_administrators_export_it() -> None:
    """Granted from the members side, which defines the roles, now that the ledger names none."""
    rights = {
        role: set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="ledger")
            .values_list("codename", flat=True)
        )
        for role in ("member", "advisor", "accountant", "administrator")
    }
    read = {"view_account", "view_analyticaccount", "view_transaction", "view_leg"}

    assert rights == {
        "member": set(),
        "advisor": read,
        "accountant": {*read, "export_journal"},
        "administrator": {*read, "export_journal"},
    }
