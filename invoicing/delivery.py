"""Sending an issued invoice or credit note to its client, once: over Peppol, or its PDF by e-mail.

`invoice_deliver` runs on a worker when the issue is committed (`invoicing.tasks.invoice_deliver`).
It has the PDF built (`invoicing.documents.invoice_pdf_build`, itself once only), then sends:

- a client with a Peppol identifier (copied on the invoice at issue, `client_peppol_id`) receives
  the UBL e-invoice through the access point (`invoicing.peppol.access_point`), after the one UBL
  check (`ubl_problems`): a document with a problem is never sent, its row is marked failed with
  each problem named by its rule, for an advisor to read in the Peppol outbox;
- any other client receives the PDF by e-mail at `client_email`, in the invoice's language; a
  client with no address at all fails the same way, saying what to add.

The invoice's outbound `PeppolDocument` row (one per invoice, a unique index says so) is both the
outbox's record and the lock: the sending happens under `select_for_update` on it, and a row
already sent or e-mailed returns at once, so a task retried, redelivered or run twice at the same
moment sends once. Its status says who acts next:

- *queued*: the platform. A send the access point or the mail server refused for now (OSError,
  which covers SMTP errors) keeps the row queued with the error and its attempt counted, and lets
  the exception through so Celery retries with backoff; when those retries are spent, or when the
  broker was away as the issue committed and no task was queued at all, the beat's sweep
  (`invoices_awaiting_delivery`, every 15 minutes) queues it again, up to `MAX_ATTEMPTS`;
- *failed*: a person. A document with problems, or a client with no address, would fail the same
  way however often retried: the row says what to correct, for an advisor in the Peppol outbox;
- *sent* or *e-mailed*: nobody, ever again.

Every attempt leaves an audit row on the invoice.

The network call happens while the row is locked: should the commit fail after the access point
took the document, the retry sends it again. That is the rare side of "at least once"; the
access point's transmission identifier (the document's digest) and the unchanged invoice number
let the receiver tell it is the same document.
"""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, make_msgid
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoicing.documents import invoice_pdf_build, invoice_pdf_bytes
from invoicing.models import Invoice, InvoiceStatus, PeppolDirection, PeppolDocument, PeppolStatus
from invoicing.peppol import access_point
from invoicing.ubl import invoice_ubl, parse_participant, seller_endpoint, ubl_file_name
from invoicing.ubl_rules import ubl_problems
from smartcoop.audit.services import audit_record, name_actions
from smartcoop.errors import ConflictError

name_actions(
    {
        "invoice.sent_peppol": gettext_lazy("Invoice sent over Peppol"),
        "invoice.emailed": gettext_lazy("Invoice e-mailed to the client"),
        "invoice.delivery_failed": gettext_lazy("Invoice not delivered"),
    }
)

DELIVERED = (PeppolStatus.SENT, PeppolStatus.EMAILED)
# The sweep leaves alone what a task may still be retrying (Celery's backoff: 1+2+4+8+16 s, then
# the worker's own pace), and stops after a week or ten attempts: by then a person must look.
RETRY_AFTER = timedelta(minutes=15)
RETRY_WITHIN = timedelta(days=7)
MAX_ATTEMPTS = 10
SWEEP_BATCH = 500


def _outbound_row(invoice: Invoice) -> PeppolDocument:
    # Two workers creating it at once: the unique index keeps one, and get_or_create reads it back.
    row, _created = PeppolDocument.objects.get_or_create(
        invoice=invoice,
        direction=PeppolDirection.OUTBOUND,
        defaults={"status": PeppolStatus.QUEUED, "document_number": invoice.number or ""},
    )
    return row


def _failed(invoice: Invoice, row: PeppolDocument, errors: list[str], *, via: str) -> None:
    row.status = PeppolStatus.FAILED
    row.errors = errors
    row.done_at = None
    audit_record(actor=None, action="invoice.delivery_failed", target=invoice, via=via, errors=errors, row=row.pk)


def _send_peppol(invoice: Invoice, row: PeppolDocument, pdf: bytes) -> None:
    receiver = parse_participant(invoice.client_peppol_id)
    if receiver is None:
        with translation.override("en"):  # the outbox keeps its errors in one language, as the rules are
            message = _(
                "The client's Peppol identifier %(identifier)s is not of the form scheme:identifier"
                " (0208:0403019261): correct it on the client, then send the invoice again."
            ) % {"identifier": invoice.client_peppol_id}
        _failed(invoice, row, [message], via="peppol")
        return
    content = invoice_ubl(invoice, pdf=pdf)
    row.file_name = ubl_file_name(invoice)
    row.sha256 = hashlib.sha256(content).hexdigest()
    row.sender_id = str(seller_endpoint(invoice.entity))[:80]
    row.receiver_id = str(receiver)[:80]
    problems = ubl_problems(content)
    if problems:
        _failed(invoice, row, [str(problem) for problem in problems], via="peppol")
        return
    number = invoice.number or ""
    row.transmission_id = access_point().send(
        content, sender=row.sender_id, receiver=row.receiver_id, document_number=number
    )[:100]
    row.status = PeppolStatus.SENT
    row.errors = []
    row.done_at = timezone.now()
    audit_record(
        actor=None,
        action="invoice.sent_peppol",
        target=invoice,
        receiver=row.receiver_id,
        transmission=row.transmission_id,
        sha256=row.sha256,
    )


def _email_body(invoice: Invoice) -> tuple[str, str]:
    with translation.override(invoice.language):
        number = invoice.number or ""
        seller = invoice.trade_name or invoice.entity.name
        credited = invoice.credited_invoice
        subject = (
            _("Credit note %(number)s from %(seller)s")
            if invoice.is_credit_note
            else _("Invoice %(number)s from %(seller)s")
        ) % {"number": number, "seller": seller}
        body = render_to_string(
            "invoicing/email/invoice_delivery.txt",
            {
                "client": invoice.client_name,
                "number": number,
                "issued": invoice.issue_date,
                "due": invoice.due_date,
                "total": invoice.total_incl_vat,
                "to_pay": max(invoice.amount_open, 0),
                "credited": credited.number if credited is not None else "",
                "iban": invoice.entity.iban,
                "bic": invoice.entity.bic,
                "reference": invoice.reference,
                "trade_name": invoice.trade_name,
                "cooperative": invoice.entity.name,
            },
        )
    return " ".join(subject.split()), body.strip() + "\n"


def _send_email(invoice: Invoice, row: PeppolDocument, pdf: bytes) -> None:
    if not invoice.client_email:
        with translation.override("en"):
            message = _(
                "The client has neither a Peppol identifier nor an e-mail address for invoices: add one to"
                " the client, then send the invoice again."
            )
        _failed(invoice, row, [message], via="email")
        return
    subject, body = _email_body(invoice)
    message_id = make_msgid(domain="invoices.smartcoop")
    email = EmailMessage(
        subject,
        body,
        str(settings.DEFAULT_FROM_EMAIL),
        [invoice.client_email],
        headers={"Message-ID": message_id},
    )
    email.attach(f"{invoice.number}.pdf", pdf, "application/pdf")
    email.send(fail_silently=False)
    row.file_name = f"{invoice.number}.pdf"
    row.sha256 = hashlib.sha256(pdf).hexdigest()
    row.sender_id = str(settings.DEFAULT_FROM_EMAIL)[:80]
    row.receiver_id = invoice.client_email[:80]
    row.transmission_id = message_id[:100]
    row.status = PeppolStatus.EMAILED
    row.errors = []
    row.done_at = timezone.now()
    audit_record(actor=None, action="invoice.emailed", target=invoice, to=invoice.client_email, message=message_id)


def invoice_deliver(*, invoice_id: int) -> str:
    """Send the issued invoice `invoice_id` to its client, once; the outbox row's status afterwards."""
    invoice = Invoice.objects.select_related("entity", "credited_invoice").get(pk=invoice_id)
    if invoice.status == InvoiceStatus.DRAFT:
        raise ConflictError(_("A draft is not sent: issue it first."))
    row = _outbound_row(invoice)
    if row.status in DELIVERED:
        return str(row.status)  # sent already: a retried task sends nothing
    invoice_pdf_build(invoice_id=invoice.pk)
    invoice.refresh_from_db()
    pdf = invoice_pdf_bytes(invoice)

    refused: OSError | None = None
    with transaction.atomic():
        row = PeppolDocument.objects.select_for_update().get(pk=row.pk)
        if row.status in DELIVERED:
            return str(row.status)  # another worker sent it while this one printed
        row.attempts += 1
        row.document_number = invoice.number or ""
        via = "peppol" if invoice.client_peppol_id else "email"
        try:
            if via == "peppol":
                _send_peppol(invoice, row, pdf)
            else:
                _send_email(invoice, row, pdf)
        except OSError as error:
            refused = error
            row.status = PeppolStatus.QUEUED  # still the platform's to send: retried, not an advisor's to fix
            row.errors = [f"{type(error).__name__}: {error}"]
            audit_record(
                actor=None, action="invoice.delivery_failed", target=invoice, via=via, errors=row.errors, retry=True
            )
        row.save()
    if refused is not None:
        raise refused  # Celery retries; the row says what happened meanwhile
    return str(row.status)


def invoices_awaiting_delivery(*, now: datetime | None = None) -> list[int]:
    """Issued invoices whose sending was lost or refused for now: no outbound row yet, or one still queued."""
    moment = now or timezone.now()
    outbound = PeppolDocument.objects.filter(invoice=OuterRef("pk"), direction=PeppolDirection.OUTBOUND)
    awaiting = ~Exists(outbound) | Exists(outbound.filter(status=PeppolStatus.QUEUED, attempts__lt=MAX_ATTEMPTS))
    return list(
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .filter(Q(issued_at__lte=moment - RETRY_AFTER) & Q(issued_at__gte=moment - RETRY_WITHIN))
        .filter(awaiting)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
