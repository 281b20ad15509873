"""Staff API routes, mounted under /api/."""

from django.urls import path

from oi_admin.api import CustomersView, GlobalScansView

urlpatterns = [
    path("admin/customers", CustomersView.as_view(), name="api-admin-customers"),
    path("admin/scans/global", GlobalScansView.as_view(), name="api-admin-scans-global"),
]
