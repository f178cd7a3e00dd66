"""Invoicing in the admin, by topic: invoices and credit notes, the Peppol outbox and inbox, bank statements."""

from invoicing.admin import bank, invoices, peppol  # noqa: F401 -- each module registers its admins
