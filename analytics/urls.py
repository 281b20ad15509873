"""HTML pages of this app."""

from django.urls import path

from analytics import views

urlpatterns = [
    path("dashboard", views.dashboard, name="dashboard"),
    path("dashboard/choices", views.dashboard_choices, name="dashboard-choices"),
    path("dashboard/export/scans.csv", views.export_scans, name="dashboard-export-scans"),
    path("dashboard/export/aggregates.csv", views.export_aggregates, name="dashboard-export-aggregates"),
    # listed before qrcodes.urls' "qrcodes/<uuid>/<str:action>" (outbound_impact/urls.py)
    path("qrcodes/<uuid:qr_code_id>/analytics", views.qr_analytics, name="qrcode-analytics"),
]
