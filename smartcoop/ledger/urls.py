from django.urls import path

from smartcoop.ledger import views

app_name = "ledger"

urlpatterns = [
    path("journal/", views.journal, name="journal"),
]
