"""The access point: what carries our e-invoices to clients over Peppol, and brings suppliers' to us.

The platform does not speak AS4 itself; a certified access point does, and this module is the seam
to it: an `AccessPoint` sends one document and returns the transmission's identifier, lists what
arrived, and is told when a received file has been dealt with. Which one runs is a setting
(`settings.PEPPOL_ACCESS_POINT`, a dotted path, read by `access_point()`), so a provider's adapter
replaces the default without touching the services.

The default, `DirectoryAccessPoint`, works offline on `settings.PEPPOL_DIRECTORY`: a document sent
is written to `outbox/` under its number (written aside, then renamed, so whoever picks it up never
reads half a file); what a provider's client program (or a person) drops in `inbox/` is offered
to the platform, skipping hidden files and files still being written (`.tmp`, `.part`,
`.partial`), and moved to `inbox/done/` or `inbox/rejected/` once received, keeping its name
unless one by that name is there already.

Sending the same document twice writes the same file again: the outbox row (`PeppolDocument`)
is what makes a sending happen once (`invoicing.delivery`); the transmission identifier is the
document's digest, so a retried send is recognisable as the same transmission.
"""

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

UNFINISHED = (".tmp", ".part", ".partial")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class InboundFile:
    """A document the access point received: its name there (unique in the inbox) and its bytes."""

    name: str
    content: bytes


class AccessPoint(Protocol):
    def send(self, document: bytes, *, sender: str, receiver: str, document_number: str) -> str:
        """Hand `document` over for `receiver` ("0208:0403019261"); the transmission's identifier.

        Raises OSError when the access point cannot take it now (the caller retries later).
        """

    def inbound(self) -> Iterator[InboundFile]:
        """The documents received and not yet acknowledged, oldest name first."""

    def acknowledge(self, file: InboundFile, *, accepted: bool) -> None:
        """`file` was dealt with (became a purchase, or was rejected): not offered again."""


def access_point() -> AccessPoint:
    """The access point the settings name (`PEPPOL_ACCESS_POINT`)."""
    factory = import_string(str(settings.PEPPOL_ACCESS_POINT))
    point: AccessPoint = factory()
    return point


def _safe(name: str) -> str:
    return _SAFE_NAME.sub("_", name).lstrip(".") or "document"


class DirectoryAccessPoint:
    """An access point made of two folders, for development, tests and providers that exchange files."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory if directory is not None else settings.PEPPOL_DIRECTORY)

    @property
    def outbox(self) -> Path:
        return self.directory / "outbox"

    @property
    def inbox(self) -> Path:
        return self.directory / "inbox"

    def send(self, document: bytes, *, sender: str, receiver: str, document_number: str) -> str:
        del sender, receiver  # a folder has no envelope: the document names both parties itself
        self.outbox.mkdir(parents=True, exist_ok=True)
        target = self.outbox / f"{_safe(document_number)}.xml"
        partial = target.with_name(f"{target.name}.part")
        partial.write_bytes(document)
        os.replace(partial, target)
        return f"directory:{hashlib.sha256(document).hexdigest()}"

    def inbound(self) -> Iterator[InboundFile]:
        if not self.inbox.is_dir():
            return
        waiting = sorted(
            path
            for path in self.inbox.iterdir()
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith(UNFINISHED)
        )
        for path in waiting:
            try:
                content = path.read_bytes()
            except FileNotFoundError:
                continue  # another worker took it meanwhile
            yield InboundFile(name=path.name, content=content)

    def acknowledge(self, file: InboundFile, *, accepted: bool) -> None:
        source = self.inbox / file.name
        folder = self.inbox / ("done" if accepted else "rejected")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / source.name
        if target.exists():
            digest = hashlib.sha256(file.content).hexdigest()[:12]
            target = folder / f"{source.stem}-{digest}{source.suffix}"
        with contextlib.suppress(FileNotFoundError):  # acknowledged already, by another worker
            os.replace(source, target)
