"""The Debian packages the platform needs (system-packages.txt) and which of them are missing."""

import shutil
import subprocess
from pathlib import Path

PACKAGES_FILE = Path(__file__).resolve().parent.parent / "system-packages.txt"


def required_packages(*, include_test: bool) -> list[str]:
    names = []
    for line in PACKAGES_FILE.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 1 and words[1] == "test" and not include_test:
            continue
        names.append(words[0])
    return names


def missing_packages(*, include_test: bool = False) -> list[str] | None:
    """The required packages dpkg does not know as installed; None where there is no dpkg."""
    if shutil.which("dpkg-query") is None:
        return None
    missing = []
    for name in required_packages(include_test=include_test):
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${db:Status-Status}", name], capture_output=True, text=True, check=False
        )
        if result.stdout.strip() != "installed":
            missing.append(name)
    return missing
