"""Invoicing's tasks: thin wrappers that re-read by id and call one service, safe to run twice."""

from celery import shared_task


# Rendering, then sending: one task per issued document, queued when its issue is committed.
@shared_task(name="invoicing.tasks.invoice_deliver", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invoice_deliver(invoice_id: int) -> str:
    from invoicing.delivery import invoice_deliver as deliver

    return deliver(invoice_id=invoice_id)


# The beat's "invoice-deliveries": sendings lost (the broker away at issue) or still refused after
# their retries are queued again; the delivery's lock makes a duplicate harmless.
@shared_task(name="invoicing.tasks.invoice_deliver_pending")
def invoice_deliver_pending() -> int:
    from invoicing.delivery import invoices_awaiting_delivery

    awaiting = invoices_awaiting_delivery()
    for invoice_id in awaiting:
        invoice_deliver.delay(invoice_id)
    return len(awaiting)


@shared_task(name="invoicing.tasks.invoice_build_pdf")
def invoice_build_pdf(invoice_id: int) -> int:
    from invoicing.documents import invoice_pdf_build

    return invoice_pdf_build(invoice_id=invoice_id)


# The beat's "peppol-inbox": what the access point received since the last look, each file once.
@shared_task(name="invoicing.tasks.peppol_receive")
def peppol_receive() -> int:
    from invoicing.receiving import peppol_receive_all

    return peppol_receive_all()
