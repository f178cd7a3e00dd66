"""Espace membre pages of invoices: thin views over invoicing's services and selectors."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from invoicing.models import Invoice
from smartcoop.access import visible


def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices = visible(request.user, Invoice).select_related("client")[:50]
    return render(request, "invoicing/invoice_list.html", {"invoices": invoices})


def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = visible(request.user, Invoice).get(pk=pk)
    return render(request, "invoicing/invoice_detail.html", {"invoice": invoice})
