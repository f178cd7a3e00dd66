from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("language/", views.set_language, name="set_language"),
    path("notifications/", views.notifications, name="notifications"),
    # What an applicant agrees to, readable before signing up: served by the platform, in the reader's language.
    path("documents/statutes/", views.legal_document, {"name": "statutes"}, name="statutes"),
    path("documents/internal-rules/", views.legal_document, {"name": "internal_rules"}, name="internal_rules"),
    path("documents/privacy/", views.legal_document, {"name": "privacy"}, name="privacy"),
    path("membership/", views.membership, name="membership"),
    path("membership/apply/", views.apply, name="apply"),
    path("membership/shares/", views.shares, name="shares"),
    path("membership/transfers/<int:pk>/withdraw/", views.transfer_request_withdraw, name="transfer_request_withdraw"),
    path("membership/certificate.pdf", views.certificate, name="certificate"),
    path("membership/profile/", views.profile, name="profile"),
    path("membership/my-data.json", views.my_data, name="my_data"),
    path("membership/applications/<int:pk>/document", views.application_document, name="application_document"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path("account/api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
