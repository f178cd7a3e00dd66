"""Espace membre page where a member hands over a supplier's e-invoice for one of their Activities.

The supplier sent its invoice as a UBL file (by e-mail, or from its own Peppol portal) rather than
through the cooperative's access point: the member uploads it here and it becomes a purchase of the
Activity, waiting for the advisor's approval, exactly as one the access point brought
(`invoicing.receiving.einvoice_receive`). Only who may record purchases for the Activity (its
managers and co-holders) reaches the page: anyone else finds no such Activity.

The form pattern of every page: a refused file shows each problem on the file field, by the rule it
breaks, above in the error summary too, status 400, and nothing is recorded; an accepted one leads
back to the Activity's purchases with a message naming it.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.models import Activity, ExpenseCategory
from invoicing.receiving import DEFAULT_CATEGORY, MAX_EINVOICE_BYTES, einvoice_receive
from members.models import User
from smartcoop.access import require, visible
from smartcoop.errors import ApplicationError
from smartcoop.forms import Form, add_service_error

ONLY_BOOK_HOLDERS = gettext_lazy("Only a manager or a co-holder of the Activity can record its purchases.")


class EinvoiceUploadForm(Form):
    file = forms.FileField(
        label=gettext_lazy("The supplier's e-invoice (XML file)"),
        help_text=gettext_lazy("The UBL file (Peppol BIS 3.0) your supplier sent, not its PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    # A trip by car is an expense claim, never a supplier's invoice (as on the purchase form).
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"),
        queryset=ExpenseCategory.objects.filter(is_mileage=False),
        empty_label=None,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].initial = ExpenseCategory.objects.filter(code=DEFAULT_CATEGORY).first()

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        # Refused before it is read into memory; the service refuses the same size from the access point.
        if upload.size is not None and upload.size > MAX_EINVOICE_BYTES:
            megabytes = MAX_EINVOICE_BYTES // (1024 * 1024)
            raise forms.ValidationError(_("The file is larger than %(megabytes)s MB.") % {"megabytes": megabytes})
        return upload


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # behind login_required
    return user


@login_required
def einvoice_upload(request: HttpRequest, code: str) -> HttpResponse:
    user = _user(request)
    activity: Activity = get_object_or_404(visible(user, Activity), code=code)
    require(user, "receive_einvoice", activity, message=ONLY_BOOK_HOLDERS)
    form = EinvoiceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = einvoice_receive(
                content=upload.read(),
                file_name=upload.name or "einvoice.xml",
                actor=user,
                activity=activity,
                category=form.cleaned_data["category"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            purchase = document.purchase
            assert purchase is not None
            messages.success(
                request,
                _(
                    "The invoice %(number)s of %(supplier)s is recorded as a purchase of %(code)s and sent to "
                    "your advisor for approval."
                )
                % {"number": purchase.supplier_reference, "supplier": purchase.supplier.name, "code": activity.code},
            )
            return redirect(reverse("activities:detail", args=[activity.code]) + "#purchases-title")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "invoicing/received/upload.html", {"activity": activity, "form": form}, status=status)
