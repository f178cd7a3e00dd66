"""Invoicing's postings as a member reads them among their Activity's movements.

The Activity page describes each movement from its posting's key (`activities.movements`); these
are the keys invoicing posts under, with the texts of the memos it writes, registered when the app
starts. Causes are read per page in one query per kind, as the registry asks.
"""

import re
from collections.abc import Iterable

from django.utils.translation import gettext_noop

from activities.movements import Data, Kind, movements_register
from invoicing.models import BankStatement, Invoice, InvoiceKind, InvoicePayment


def _invoices(ids: Iterable[int]) -> dict[int, Data]:
    rows = Invoice.objects.filter(pk__in=ids).values_list("pk", "number", "client_name", "kind")
    return {
        pk: {"number": number or "", "client": client, "variant": "credit" if kind == InvoiceKind.CREDIT_NOTE else ""}
        for pk, number, client, kind in rows
    }


def _payments(ids: Iterable[int]) -> dict[int, Data]:
    rows = InvoicePayment.objects.filter(pk__in=ids).values_list("pk", "invoice__number", "invoice__client_name")
    return {pk: {"number": number or "", "client": client} for pk, number, client in rows}


def _statements(ids: Iterable[int]) -> dict[int, Data]:
    rows = BankStatement.objects.filter(pk__in=ids).values_list("pk", "statement_id")
    return {pk: {"statement": statement_id} for pk, statement_id in rows}


def register() -> None:
    movements_register(
        kinds=[
            Kind(
                re.compile(r"invoice:(?P<id>\d+):issue"),
                gettext_noop("Invoice %(number)s to %(client)s"),
                "invoice",
                variants={"credit": gettext_noop("Credit note %(number)s to %(client)s")},
            ),
            Kind(
                re.compile(r"invoice:(?P<id>\d+):write-off"),
                gettext_noop("Invoice %(number)s written off"),
                "invoice",
            ),
            Kind(
                re.compile(r"invoice-payment:(?P<id>\d+)"),
                gettext_noop("Payment of invoice %(number)s by %(client)s"),
                "invoice_payment",
            ),
            Kind(
                re.compile(r"bank-statement:(?P<id>\d+):payments:(?P<day>[-0-9]+)"),
                gettext_noop("Payments received, statement %(statement)s"),
                "bank_statement",
            ),
        ],
        loaders={"invoice": _invoices, "invoice_payment": _payments, "bank_statement": _statements},
    )
