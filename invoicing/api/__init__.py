"""Invoicing in the API: invoices and credit notes, their payments and documents, and staff's records.

- `invoices`: `/api/invoices/`: a holder drafts an invoice for an Activity, issues it (once,
  however often asked), credits it, downloads its PDF and UBL; an advisor records a payment,
  opens and closes a dispute, writes it off; `vat-proposal` proposes the VAT of a client;
- `staff`: `/api/bank-statements/` (read, and import a file), `/api/payment-review/` (the
  statement lines waiting for an advisor) and `/api/peppol-documents/` (the outbox and inbox);
- `serializers`: what goes in and out; `shared`: the signed-in user, refusals named by their
  path (`lines.0.vat_rate`) and the staff's door.

Who sees and does what is the access policy's (`invoicing.access`), asked by the querysets
(`visible`) and again by every service; errors come in the one shape of `smartcoop.api`.
The router below is the one `smartcoop.urls` mounts.
"""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from invoicing.api.invoices import InvoiceViewSet
from invoicing.api.staff import BankStatementViewSet, PaymentReviewViewSet, PeppolDocumentViewSet

# No root view: the project's router already answers /api/.
router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
router.register("payment-review", PaymentReviewViewSet, basename="payment-review")
router.register("peppol-documents", PeppolDocumentViewSet, basename="peppol-document")

routes: list[URLPattern | URLResolver] = [*router.urls]
