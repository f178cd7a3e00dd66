"""Espace membre URLs of invoices, under /invoices/: the list, writing from an Activity, one invoice, its documents."""

from django.urls import URLPattern, URLResolver, path

from invoicing import views, views_received

app_name = "invoicing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.invoice_list, name="list"),
    path("new/<str:code>/", views.invoice_new, name="create"),
    path("new/<str:code>/totals/", views.invoice_totals_fragment, name="totals"),
    path("new/<str:code>/clients/", views.client_options, name="client_options"),
    path("received/<str:code>/upload/", views_received.einvoice_upload, name="einvoice_upload"),
    path("<int:pk>/", views.invoice_detail, name="invoice"),
    path("<int:pk>/edit/", views.invoice_edit, name="edit"),
    path("<int:pk>/issue/", views.invoice_issue_view, name="issue"),
    path("<int:pk>/delete/", views.invoice_delete, name="delete"),
    path("<int:pk>/credit/", views.invoice_credit, name="credit"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="pdf"),
    path("<int:pk>/ubl/", views.invoice_ubl_view, name="ubl"),
]
