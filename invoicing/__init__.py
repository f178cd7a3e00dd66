"""Invoices, credit notes, numbering, VAT, PDF, Peppol UBL, payments and dunning."""
