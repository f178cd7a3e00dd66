"""The committed catalogues are complete and compiled: French and Dutch miss no string."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
# One entry: its flags line (`#, fuzzy`, `#, fuzzy, python-format`, `#, python-format, fuzzy`...), the previous
# msgid makemessages leaves under a fuzzy guess (`#| ...`), an optional context, the msgid, an optional plural,
# and its msgstr or msgstr[n] lines. Obsolete `#~` entries are not at the start of a line with `msgid`.
ENTRY = re.compile(
    r'^(#,.*\n)?(?:#\|.*\n)*(?:msgctxt (?:".*"\n)+)?msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?'
    r'((?:msgstr(?:\[\d+\])? (?:".*"\n)+)+)',
    re.MULTILINE,
)
FUZZY = re.compile(r"^#,.*\bfuzzy\b")
MSGSTR = re.compile(r'^msgstr(?:\[\d+\])? ((?:".*"\n)+)', re.MULTILINE)


def _joined(lines: str) -> str:
    return "".join(re.findall(r'"(.*)"', lines))


def parse(text: str) -> list[tuple[bool, str, list[str]]]:
    """(fuzzy, msgid, every msgstr) of each entry of a catalogue's text, the header left out."""
    found = []
    for flags, msgid, msgstrs in ENTRY.findall(text + "\n"):
        joined_id = _joined(msgid)
        if joined_id:  # the header has an empty msgid
            found.append((bool(FUZZY.match(flags)), joined_id, [_joined(s) for s in MSGSTR.findall(msgstrs)]))
    return found


def entries(language: str) -> list[tuple[bool, str, list[str]]]:
    return parse((LOCALE / language / "LC_MESSAGES" / "django.po").read_text())


def test_the_parser_sees_fuzzy_entries_with_flags_and_empty_plurals() -> None:
    sample = """msgid ""
msgstr ""
"Language: fr\\n"

#, fuzzy, python-format
#| msgid "Old %(n)s"
msgid "New %(n)s"
msgstr "Ancien %(n)s"

#, python-format, fuzzy
msgid "Other %(n)s"
msgstr "Autre %(n)s"

#, fuzzy
#| msgid "Old"
msgid "New"
msgstr "Ancien"

#, python-format
msgid "%(n)s entry"
msgid_plural "%(n)s entries"
msgstr[0] "%(n)s entrée"
msgstr[1] ""

msgid "Done"
msgstr ""
"Fait"

#~ msgid "Gone"
#~ msgstr "Parti"
"""
    assert parse(sample) == [
        (True, "New %(n)s", ["Ancien %(n)s"]),
        (True, "Other %(n)s", ["Autre %(n)s"]),
        (True, "New", ["Ancien"]),
        (False, "%(n)s entry", ["%(n)s entrée", ""]),
        (False, "Done", ["Fait"]),
    ]


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_string_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalogue = entries(language)
    assert len(catalogue) > 50
    assert [msgid for fuzzy, msgid, _ in catalogue if fuzzy] == []
    assert [msgid for _, msgid, msgstrs in catalogue if not all(msgstrs)] == []


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
