"""Espace membre URLs of invoices, under /invoices/."""

from django.urls import URLPattern, URLResolver, path

from invoicing import views, views_received

app_name = "invoicing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.invoice_list, name="list"),
    path("received/<str:code>/upload/", views_received.einvoice_upload, name="einvoice_upload"),
    path("<int:pk>/", views.invoice_detail, name="invoice"),
]
