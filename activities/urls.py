"""Espace membre URLs of Activities, under /activities/.

The fixed paths come before `<code>/`, which would otherwise read "clients" or "claims" as a code.
"""

from django.urls import URLPattern, URLResolver, path

from activities import views

app_name = "activities"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_new, name="create"),
    path("clients/", views.clients, name="clients"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/submit/", views.claim_submit, name="claim_submit"),
    path("claims/lines/<int:line_pk>/remove/", views.claim_line_remove, name="claim_line_remove"),
    path("receipts/<int:line_pk>/", views.receipt, name="receipt"),
    path("purchases/<int:pk>/file/", views.purchase_file, name="purchase_file"),
    path("<str:code>/", views.activity_detail, name="detail"),
    path("<str:code>/movements.csv", views.movements_csv, name="movements_csv"),
    path("<str:code>/settings/", views.activity_settings, name="settings"),
    path("<str:code>/logo", views.activity_logo, name="logo"),
    path("<str:code>/clients/new/", views.third_party_new, name="third_party_add"),
    path("<str:code>/claims/new/", views.claim_new, name="claim_create"),
    path("<str:code>/purchases/new/", views.purchase_new, name="purchase_create"),
    path("<str:code>/transfers/new/", views.transfer_new, name="transfer_create"),
    path("<str:code>/transfers/recipient/", views.transfer_recipient, name="transfer_recipient"),
]
