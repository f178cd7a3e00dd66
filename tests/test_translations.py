"""The committed catalogues are complete and compiled: French and Dutch miss no string."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
ENTRY = re.compile(r'^(#, fuzzy\n)?msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.MULTILINE)


def entries(language: str) -> list[tuple[bool, str, str]]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    found = []
    for fuzzy, msgid, msgstr in ENTRY.findall(text + "\n"):
        joined_id = "".join(re.findall(r'"(.*)"', msgid))
        if joined_id:  # the header has an empty msgid
            found.append((bool(fuzzy), joined_id, "".join(re.findall(r'"(.*)"', msgstr))))
    return found


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_string_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalogue = entries(language)
    assert len(catalogue) > 50
    assert [msgid for fuzzy, msgid, _ in catalogue if fuzzy] == []
    assert [msgid for _, msgid, msgstr in catalogue if not msgstr] == []


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_compiled_catalogue_matches_its_source(language: str, tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext is missing: apt-get install gettext"
    source = LOCALE / language / "LC_MESSAGES" / "django.po"
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(compiled), str(source)], check=True)
    assert compiled.read_bytes() == source.with_suffix(".mo").read_bytes(), "run `make messages` and commit the .mo"


# makemessages finds gettext, gettext_lazy, ngettext... and `_`; any other alias is never extracted,
# so its strings stay English for everyone (four API messages were, under `_lazy`).
ALIAS = re.compile(r"from django\.utils\.translation import .*\b(\w*gettext\w*) as (?!_\b)(\w+)")


def test_no_translation_function_hides_under_an_alias_makemessages_cannot_see() -> None:
    root = LOCALE.parent
    aliased = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for folder in ("smartcoop", "members", "activities", "contracts", "invoicing", "payroll", "governance")
        for path in (root / folder).rglob("*.py")
        for match in [ALIAS.search(path.read_text())]
        if match
    ]
    assert aliased == []
