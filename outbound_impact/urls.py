from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from outbound_impact.health import healthz
from tenants.api_base import PublicAPIView


class SchemaView(PublicAPIView, SpectacularAPIView):
    """The OpenAPI document: public, as the API's contract."""


class SwaggerUIView(PublicAPIView, SpectacularSwaggerSplitView):
    """Swagger UI on the document: public."""


api_patterns = [
    path("", include("tenants.api_urls")),
    path("", include("studio.api_urls")),  # before qrcodes: /api/qrcodes/import is not a code id
    path("", include("qrcodes.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("uploads.api_urls")),
    path("", include("analytics.api_urls")),
    path("", include("oi_admin.api_urls")),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerUIView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("healthz", healthz, name="healthz"),
    path("", include("tenants.urls")),
    path("", include("analytics.urls")),  # before qrcodes: /qrcodes/<id>/analytics is not a qrcodes action
    path("", include("studio.urls")),  # before qrcodes: /qrcodes/<id>/studio is not a qrcodes action
    path("", include("qrcodes.urls")),
    path("", include("campaigns.urls")),
    path("", include("uploads.urls")),
    path("", include("oi_admin.urls")),
]

handler404 = "outbound_impact.errors.page_not_found"
handler500 = "outbound_impact.errors.server_error"
