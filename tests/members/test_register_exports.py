"""The register as a PDF at a date: asked for in the admin, built by a worker, downloaded once ready."""

import io
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from members.models import Member, Office, RegisterCounter, RegisterExport, RegisterExportStatus, Role, User
from members.services import register_export_build, register_export_request, shares_issue
from members.tasks import build_register_export
from smartcoop.errors import InvalidInput, PermissionDeniedError
from tests.support import ROOT, celery_worker

JAN, MAR = date(2026, 1, 10), date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _media(settings: LazySettings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path  # the PDFs of a test run land in its own directory


@pytest.fixture
def accountant(make_staff) -> User:
    """Accountants may print the register (add_registerexport, migration 0009) and see every office."""
    user: User = make_staff("compta@example.be", role=Role.ACCOUNTANT)
    return user


@pytest.fixture
def advisor(make_staff, office: Office) -> User:
    user: User = make_staff("sophie@example.be", office=office)
    return user


@pytest.fixture
def register(make_member, advisor: User) -> tuple[Member, Member]:
    """Two members' shares, numbered from 1041: four digits are found only where the column is printed."""
    RegisterCounter.objects.filter(name="share_register").update(value=1040)
    alice: Member = make_member("Alice", "Dubois")
    bob: Member = make_member("Bob", "Peeters")
    shares_issue(member=alice, quantity=3, on=JAN, key="alice:paid", actor=advisor)
    shares_issue(member=bob, quantity=2, on=MAR, key="bob:paid", actor=advisor)
    return alice, bob


def _pdf_text(export: RegisterExport) -> tuple[int, str]:
    with export.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_an_accountants_request_is_queued_for_the_worker(accountant: User, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        export = register_export_request(at=JAN, actor=accountant)
    assert (export.status, export.at, export.requested_by_id) == (RegisterExportStatus.QUEUED, JAN, accountant.pk)
    assert not export.file
    assert len(callbacks) == 1, "the build is queued once the request is committed"


def test_the_task_renders_a_real_pdf_of_the_register_at_that_date(
    accountant: User, register: tuple[Member, Member]
) -> None:
    alice, _bob = register
    export = register_export_request(at=date(2026, 2, 1), actor=accountant)

    assert build_register_export(export.pk) == RegisterExportStatus.READY

    export.refresh_from_db()
    pages, text = _pdf_text(export)
    assert export.pages == pages >= 1
    assert export.finished_at is not None and export.error == ""
    assert "Alice Dubois" in text and str(alice.number) in text
    assert re.search(r"^1041 ", text, re.M), "Alice's line of the register"
    assert "Bob Peeters" not in text and not re.search(r"^1042 ", text, re.M), "issued after that date"


def test_building_twice_keeps_the_first_file_and_renders_nothing_more(
    accountant: User, register: tuple[Member, Member], monkeypatch: pytest.MonkeyPatch
) -> None:
    export = register_export_request(at=MAR, actor=accountant)
    first = register_export_build(export_id=export.pk)
    with first.file.open("rb") as handle:
        content = handle.read()

    def no_second_rendering(**kwargs: object) -> None:
        raise AssertionError("rendered again")

    monkeypatch.setattr("members.documents.share_register_render", no_second_rendering)
    again = register_export_build(export_id=export.pk)

    assert (again.status, again.file.name, again.pages) == (RegisterExportStatus.READY, first.file.name, first.pages)
    with again.file.open("rb") as handle:
        assert handle.read() == content


def test_a_failed_rendering_is_reported_on_the_export(
    accountant: User, register: tuple[Member, Member], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("no fonts")

    monkeypatch.setattr("members.documents.share_register_render", broken)
    export = register_export_build(export_id=register_export_request(at=MAR, actor=accountant).pk)
    assert (export.status, export.error, bool(export.file)) == (
        RegisterExportStatus.FAILED,
        "RuntimeError: no fonts",
        False,
    )


def test_a_register_at_a_future_date_is_refused(accountant: User) -> None:
    with pytest.raises(InvalidInput) as error:
        register_export_request(at=timezone.localdate() + timedelta(days=1), actor=accountant)
    assert list(error.value.fields) == ["at"]
    assert not RegisterExport.objects.exists()


def test_an_advisor_cannot_print_the_register(advisor: User) -> None:
    with pytest.raises(PermissionDeniedError):
        register_export_request(at=JAN, actor=advisor)
    assert not RegisterExport.objects.exists()


# --- In the admin --------------------------------------------------------------------------------


def test_an_accountant_asks_in_the_admin_and_downloads_the_pdf(
    client: Client, accountant: User, register: tuple[Member, Member]
) -> None:
    client.force_login(accountant)
    page = client.get(reverse("admin:members_shareoperation_changelist")).content.decode()
    assert reverse("admin:members_shareoperation_pdf") in page

    response = client.post(reverse("admin:members_shareoperation_pdf"), {"at": "2026-03-01"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:members_registerexport_changelist")
    export = RegisterExport.objects.get()
    assert (export.at, export.requested_by_id, export.status) == (MAR, accountant.pk, RegisterExportStatus.QUEUED)
    listing = client.get(reverse("admin:members_registerexport_changelist"))
    assert [row.pk for row in listing.context["cl"].result_list] == [export.pk]

    build_register_export(export.pk)
    download = client.get(reverse("admin:members_registerexport_download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]


def test_a_future_date_in_the_admin_says_why_and_queues_nothing(client: Client, accountant: User) -> None:
    client.force_login(accountant)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(reverse("admin:members_shareoperation_pdf"), {"at": tomorrow.isoformat()}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not RegisterExport.objects.exists()


def test_an_advisor_of_one_office_neither_prints_nor_downloads_the_register(
    client: Client, advisor: User, accountant: User, register: tuple[Member, Member]
) -> None:
    export = register_export_build(export_id=register_export_request(at=MAR, actor=accountant).pk)
    client.force_login(advisor)
    assert client.post(reverse("admin:members_shareoperation_pdf"), {"at": "2026-03-01"}).status_code == 403
    assert RegisterExport.objects.count() == 1
    assert client.get(reverse("admin:members_registerexport_download", args=[export.pk])).status_code == 403
    assert client.get(reverse("admin:members_registerexport_changelist")).status_code == 403


def test_seeing_every_office_is_not_enough_to_print(client: Client, advisor: User) -> None:
    advisor.user_permissions.add(Permission.objects.get(codename="view_all_offices"))
    client.force_login(advisor)
    response = client.post(reverse("admin:members_shareoperation_pdf"), {"at": "2026-03-01"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not RegisterExport.objects.exists()


# --- A real worker ---------------------------------------------------------------------------------


@pytest.fixture
def worker(transactional_db: None) -> Iterator[subprocess.Popen[str]]:
    with celery_worker("register-export-worker") as process:
        yield process


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_builds_the_requested_register(
    worker: subprocess.Popen[str], accountant: User, register: tuple[Member, Member]
) -> None:
    export = register_export_request(at=MAR, actor=accountant)  # committed: the task goes to Redis

    deadline = time.monotonic() + 60
    while RegisterExport.objects.get(pk=export.pk).status == RegisterExportStatus.QUEUED:
        assert worker.poll() is None, worker.stdout.read() if worker.stdout else "worker died"
        assert time.monotonic() < deadline, "the worker did not build the register within 60 s"
        time.sleep(0.2)

    export.refresh_from_db()
    assert export.status == RegisterExportStatus.READY, export.error
    # The worker writes under its own MEDIA_ROOT (the project's); read the file there, then remove it.
    path = Path(ROOT) / ".data" / "media" / str(export.file.name)
    try:
        reader = PdfReader(str(path))
        assert export.pages == len(reader.pages)
        assert "Bob Peeters" in "\n".join(page.extract_text() for page in reader.pages)
    finally:
        path.unlink(missing_ok=True)
