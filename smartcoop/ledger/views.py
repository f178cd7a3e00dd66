"""The accountants' page: choose a period and a format, download the general journal."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from smartcoop.access import require
from smartcoop.csv_export import CsvFormat, csv_response
from smartcoop.ledger.exports import journal_lines
from smartcoop.ledger.forms import JournalExportForm
from smartcoop.ledger.models import Transaction


@login_required
def journal(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    # Every office's books in one file: the policy asks for the accountant's role and two-factor.
    require(
        request.user,
        "export",
        Transaction,
        message=_("Only accountants with two-factor authentication download the journal."),
    )
    form = JournalExportForm(request.GET if "date_from" in request.GET else None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        journal_format = CsvFormat(data["format"])
        lines = journal_lines(
            date_from=data["date_from"],
            date_to=data["date_to"],
            journal_format=journal_format,
            language=get_language() or "fr",
        )
        return csv_response(lines, filename=f"journal_{data['date_from']:%Y%m%d}_{data['date_to']:%Y%m%d}.csv")
    return render(request, "ledger/journal.html", {"form": form}, status=400 if form.is_bound else 200)
