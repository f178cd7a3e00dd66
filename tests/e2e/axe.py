"""Accessibility checks with axe-core, run inside the page the browser test has open.

axe-core comes from `axe-playwright-python` (pinned in pyproject.toml; it ships axe-core 4.12.1 as
published on npm). `assert_accessible` fails the test on any serious or critical violation and
tallies every violation by impact in `TALLY`, which the terminal summary prints at the end of the
run, so the note of an issue can quote the count over all pages visited.
"""

from collections import Counter
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = ("serious", "critical")
TALLY: Counter[str] = Counter()
PAGES_CHECKED: list[str] = []
_axe = Axe()


# axe-core reads the style sheets (for its orientation rule) by copying an @import-ed sheet into a
# <style> of a scratch document, which the page's policy blocks as an inline style: the Django
# admin's forms.css imports widgets.css. Without that preload the other rules run the same.
NO_PRELOAD = {"resultTypes": ["violations"], "preload": False}


def axe_violations(page: Page, *, preload: bool = True) -> list[dict[str, Any]]:
    results = _axe.run(page) if preload else _axe.run(page, options=NO_PRELOAD)
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


def assert_accessible(page: Page, *, label: str = "", preload: bool = True) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    violations = axe_violations(page, preload=preload)
    PAGES_CHECKED.append(label or page.url)
    for violation in violations:
        TALLY[violation.get("impact") or "unknown"] += 1
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, f"axe-core on {label or page.url}:\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:5])})"
        for v in blocking
    )
