from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smartcoop.csv_export import CsvFormat


def _first_of_year() -> date:
    return timezone.localdate().replace(month=1, day=1)


class JournalExportForm(forms.Form):
    date_from = forms.DateField(label=_("From"), initial=_first_of_year, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (CsvFormat.EXCEL_BE.value, _("Excel (Belgium): semicolons, decimal comma")),
            (CsvFormat.CSV.value, _("CSV: commas, decimal point")),
        ],
        initial=CsvFormat.EXCEL_BE.value,
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned
