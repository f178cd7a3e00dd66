"""Espace membre pages: the dashboard, notifications, joining, the membership status, shares, profile and data."""

import json
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from members.dashboard import dashboard_cards
from members.forms import ApplicationForm, ContactForm, DocumentForm, TransferRequestForm
from members.identity import iban_text
from members.models import (
    OPEN_APPLICATION,
    ApplicationStatus,
    CapitalCall,
    CapitalCallStatus,
    Member,
    MembershipApplication,
    Role,
    ShareOperation,
    ShareTransferRequest,
    User,
)
from members.register_lines import member_register_lines
from members.selectors import member_holding
from members.services import (
    application_add_document,
    application_submit,
    capital_call_payment,
    capital_call_qr_svg,
    member_update_contact,
    share_nominal_value,
    transfer_request_cancel,
    transfer_request_submit,
)
from members.tokens import api_token_revoke, api_tokens_of
from smartcoop.access import visible
from smartcoop.audit.selectors import trail_of
from smartcoop.errors import ApplicationError
from smartcoop.forms import WholeNumberField, add_service_error
from smartcoop.models import CooperativeEntity, Notification
from smartcoop.notifications import notifications_mark_read
from smartcoop.uploads import document_response


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _member(user: User) -> Member | None:
    return Member.objects.select_related("office").filter(user=user).first()


def dashboard(request: HttpRequest) -> HttpResponse:
    """`/`: the member's dashboard, or for a visitor the cooperative's home page."""
    if not request.user.is_authenticated:
        return _home(request)
    user = _user(request)
    member = _member(user)
    application = MembershipApplication.objects.filter(user=user).order_by("-submitted_at").first()
    context = {
        "greeting_name": _greeting_name(user, member, application),
        # Every account is in the `member` group from sign-up on: it opens the Espace membre, it does
        # not make anyone a member of company law, which the membership card states from the register.
        # So the account card names only the staff roles, in the reader's language.
        "roles": sorted(
            str(Role(g.name).label) for g in user.groups.all() if g.name in Role.values and g.name != Role.MEMBER
        ),
        "mfa_enabled": is_mfa_enabled(user),
        "member": member,
        "holding": member_holding(member=member) if member else 0,
        "application": application,
        "notifications": list(Notification.objects.filter(user=user).order_by("-created_at", "-pk")[:5]),
        "cards": dashboard_cards(user, member),
    }
    return render(request, "members/dashboard.html", context)


def _greeting_name(user: User, member: Member | None, application: MembershipApplication | None) -> str:
    """The name a person is greeted by: their first name as they gave it, never their e-mail address.

    A legal person is greeted by its name; an applicant who is not in the register yet by the first
    name of their application; an account that gave no name is greeted without one.
    """
    if user.first_name:
        return user.first_name
    if member is not None:
        return member.first_name or member.display_name
    if application is not None:
        return application.first_name or application.company_name
    return ""


def _cooperative_terms() -> dict[str, Any]:
    """The figures a visitor or an applicant reads: the price of a share, the contributions, the salary term.

    They come from the cooperative entity's settings and, when the payroll app has set it, the
    salary payment term, read through the entity's reverse relation so members imports nothing
    from payroll. The home page and the internal rules read the same figures, so they cannot differ.
    """
    entity = CooperativeEntity.objects.filter(country="BE").select_related("salary_payment_term").first()
    return {
        "entity": entity,
        "share_price": entity.share_nominal_value if entity else None,
        "contribution_percent": (entity.turnover_contribution_rate * 100).normalize() if entity else None,
        "employment_percent": (entity.employment_contribution_rate * 100).normalize() if entity else None,
        "term": getattr(entity, "salary_payment_term", None) if entity else None,
    }


def _home(request: HttpRequest) -> HttpResponse:
    """What a visitor reads first: what the cooperative is, what joining costs and takes, and the two doors."""
    return render(request, "members/home.html", _cooperative_terms())


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """What advisors decided about my things, newest first; those shown are read from now on."""
    user = _user(request)
    page = Paginator(Notification.objects.filter(user=user).order_by("-created_at", "-pk"), 25).get_page(
        request.GET.get("page")
    )
    shown = list(page.object_list)
    # The rows keep read_at as loaded, so this page still marks which ones are new.
    notifications_mark_read(actor=user, notifications=shown)
    return render(request, "members/notifications.html", {"page": page, "notifications": shown})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's switcher, plus the choice saved on the account so it follows the member."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user = _user(request)
        user.language = language
        user.save(update_fields=["language"])
    return response


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    """The membership form; every problem is listed after one submit (see ApplicationForm)."""
    user = _user(request)
    if MembershipApplication.objects.filter(user=user, status__in=OPEN_APPLICATION).exists() or _member(user):
        return redirect("members:membership")
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application_submit(
                actor=user, data=form.application_data(), document=form.cleaned_data["identity_document"]
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your application was sent. An advisor of your office will answer soon."))
            return redirect("members:membership")
    if form.document_dropped:
        # Said where the applicant looks, and read with the field: the browser never re-sends a file.
        form["identity_document"].help_text = _(
            "Attach your identity document again: for your security it is not kept when the form has errors."
        )
    price = share_nominal_value()
    field: WholeNumberField = form.fields["shares_requested"]  # type: ignore[assignment]
    typed = str(form["shares_requested"].value() or "")
    # The total of what was typed, when it is a number the form accepts; else of the minimum.
    quantity = int(typed) if typed.isdigit() and field.minimum <= int(typed) <= field.maximum else field.minimum
    context = {
        "form": form,
        "share_price": price,
        "minimum_shares": field.minimum,
        "total": price * quantity,
        "price_cents": int(price * 100),
        "decimal_separator": get_format("DECIMAL_SEPARATOR"),
        "thousand_separator": get_format("THOUSAND_SEPARATOR"),
    }
    return render(request, "members/apply.html", context, status=400 if form.is_bound and form.errors else 200)


def _call_to_pay(call: CapitalCall) -> dict[str, Any]:
    """A call with its transfer details and their QR code, both from `capital_call_payment`."""
    payment = capital_call_payment(call=call)
    return {
        "call": call,
        "payment": payment,
        "iban": iban_text(payment.iban),
        # As a person types it in a banking app: the page's decimal mark, no grouping, no currency.
        "amount_typed": f"{payment.amount:.2f}".replace(".", str(get_format("DECIMAL_SEPARATOR"))),
        "qr": capital_call_qr_svg(call=call, payment=payment),
    }


@login_required
def membership(request: HttpRequest) -> HttpResponse:
    """Where an applicant follows their application, pays their shares, or sends a document."""
    user = _user(request)
    application = (
        MembershipApplication.objects.filter(user=user).select_related("office").order_by("-submitted_at").first()
    )
    member = _member(user)
    document_form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and application and document_form.is_valid():
        try:
            application_add_document(
                application=application, document=document_form.cleaned_data["identity_document"], actor=user
            )
        except ApplicationError as error:
            add_service_error(document_form, error)
        else:
            messages.success(request, _("Thank you: your document was added to your application."))
            return redirect("members:membership")
    calls = list(member.capital_calls.filter(status=CapitalCallStatus.OPEN)) if member else []
    context: dict[str, Any] = {
        "application": application,
        "member": member,
        "document_form": document_form,
        "open_calls": [_call_to_pay(call) for call in calls],
        "needs_document": application is not None and application.status == ApplicationStatus.NEEDS_DOCUMENT,
    }
    return render(request, "members/membership.html", context, status=400 if document_form.errors else 200)


LEGAL_DOCUMENTS = ("statutes", "internal_rules", "privacy")


def legal_document(request: HttpRequest, name: str) -> HttpResponse:
    """The statutes, the internal rules or the privacy notice, open to anyone (an applicant reads them first)."""
    if name not in LEGAL_DOCUMENTS:
        raise Http404
    return render(request, f"members/documents/{name}.html", _cooperative_terms())


@login_required
def shares(request: HttpRequest) -> HttpResponse:
    """My holding, my register lines, and the transfers I asked for (a new one from the form here)."""
    user = _user(request)
    member = _member(user)
    if member is None:
        return redirect("members:membership")
    form = TransferRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transfer_request_submit(seller=member, actor=user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your transfer request was sent to your advisor."))
            return redirect("members:shares")
    # The certificate's lines, from the same builder: a figure means the same on the page and on paper.
    register = member_register_lines(member=member)
    requests = ShareTransferRequest.objects.filter(seller=member).select_related("buyer", "operation")
    context = {
        "member": member,
        "holding": register[-1].held_after if register else 0,
        "register_lines": register,
        "transfer_requests": requests,
        "form": form,
    }
    return render(request, "members/shares.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def transfer_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    transfer = get_object_or_404(visible(user, ShareTransferRequest, "cancel").select_related("seller"), pk=pk)
    try:
        transfer_request_cancel(request=transfer, actor=user)
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Your transfer request was withdrawn."))
    return redirect("members:shares")


@login_required
def certificate(request: HttpRequest) -> HttpResponse:
    from members.documents import share_certificate_pdf

    member = _member(_user(request))
    if member is None or member_holding(member=member) == 0:
        raise Http404
    response = HttpResponse(share_certificate_pdf(member=member), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate_{member.number}.pdf"'
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    member = _member(user)
    if member is None:
        return redirect("members:membership")
    initial = {k: getattr(member, k) for k in ("street", "postal_code", "city", "phone", "iban")}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            member_update_contact(member=member, actor=user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your details were saved."))
            return redirect("members:profile")
    return render(request, "members/profile.html", {"member": member, "form": form}, status=400 if form.errors else 200)


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything the cooperative holds about the signed-in person, as JSON (GDPR, article 15 and 20)."""
    user = _user(request)
    member = _member(user)
    data: dict[str, Any] = {
        "account": model_to_dict(user, fields=["email", "first_name", "last_name", "language", "date_joined"]),
        "applications": [
            model_to_dict(a, exclude=["identity_document", "user", "decided_by"]) | {"submitted_at": a.submitted_at}
            for a in MembershipApplication.objects.filter(user=user)
        ],
        "member": model_to_dict(member, exclude=["user", "advisor"]) if member else None,
        "share_operations": [
            model_to_dict(o, exclude=["member", "actor", "counterpart"]) | {"created_at": o.created_at}
            for o in ShareOperation.objects.filter(member=member)
        ]
        if member
        else [],
        "capital_calls": [model_to_dict(c, exclude=["member", "recorded_by"]) for c in member.capital_calls.all()]
        if member
        else [],
        "share_transfer_requests": [
            model_to_dict(t, exclude=["seller", "decided_by", "operation"])
            | {"buyer": t.buyer.number, "requested_at": t.requested_at}
            for t in ShareTransferRequest.objects.filter(seller=member).select_related("buyer")
        ]
        if member
        else [],
        "notifications": [
            # Subject and body as the member reads them now; the cause they are rendered from stays inside.
            model_to_dict(n, exclude=["user", "template", "context", "subject_msgid"])
            | {"subject": n.subject_text, "body": n.body_text, "created_at": n.created_at}
            for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
        ],
        # What changed in their record and when (who acted stays with the cooperative).
        "history": [{"at": e.at, "action": e.action, "before": e.before, "after": e.after} for e in trail_of(member)]
        if member
        else [],
    }
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-smartcoop-data.json"'
    return response


@login_required
def application_document(request: HttpRequest, pk: int) -> FileResponse:
    """The identity document, to its applicant and to staff allowed to read applications."""
    application = get_object_or_404(visible(_user(request), MembershipApplication, "view_document"), pk=pk)
    if not application.identity_document:
        raise Http404
    return document_response(application.identity_document, name=f"identity-document-{application.pk}")


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens that still work, to revoke one lost or no longer needed."""
    tokens = api_tokens_of(_user(request))
    context = {"tokens": tokens, "lifetime_days": settings.API_TOKEN_LIFETIME_DAYS}
    return render(request, "members/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        api_token_revoke(token_id=pk, actor=_user(request))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The token was revoked: it no longer opens the API."))
    return redirect("members:api_tokens")
