from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from activities.api import routes as activity_routes
from invoicing.api import routes as invoicing_routes
from members.api import MemberViewSet, MeView, MyMemberView, MySharesView, OfficeViewSet
from members.api_tokens import ApiTokenViewSet, TokenView
from smartcoop.health import healthz

router = DefaultRouter()
router.register("offices", OfficeViewSet, basename="office")
router.register("members", MemberViewSet, basename="member")
router.register("tokens", ApiTokenViewSet, basename="api-token")

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP refuses inline scripts.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("members/me/", MyMemberView.as_view(), name="my-member"),
    path("members/me/shares/", MySharesView.as_view(), name="my-shares"),
    *router.urls,
    *activity_routes,
    *invoicing_routes,
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include((api_patterns, "api"))),
    path("ledger/", include("smartcoop.ledger.urls")),
    path("activities/", include("activities.urls")),
    path("invoices/", include("invoicing.urls")),
    path("", include("members.urls")),
]
