"""Espace membre URLs of invoices, under /invoices/."""

from django.urls import URLPattern, URLResolver, path

from invoicing import views

app_name = "invoicing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.invoice_list, name="list"),
    path("<int:pk>/", views.invoice_detail, name="invoice"),
]
