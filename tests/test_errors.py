"""The error hierarchy stands apart from the ways it is shown (pages, admin, API)."""

import ast
from pathlib import Path

from django.conf import settings

import smartcoop.errors


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_error_hierarchy_imports_nothing_that_renders() -> None:
    imported = _imported_modules(Path(smartcoop.errors.__file__))
    rendering = {"django.contrib.messages", "django.shortcuts", "django.http", "django.template", "rest_framework"}
    assert {module for module in imported if module.split(".")[0] == "rest_framework" or module in rendering} == set()


def test_each_channel_renders_errors_from_its_own_side() -> None:
    assert "smartcoop.middleware.ApplicationErrorMiddleware" in settings.MIDDLEWARE
    assert not hasattr(smartcoop.errors, "admin_call")
    assert not hasattr(smartcoop.errors, "ApplicationErrorMiddleware")
