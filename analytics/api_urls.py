"""API routes of this app, mounted under /api/."""

from django.urls import path

from analytics import api

urlpatterns = [
    path("analytics/stats", api.StatsView.as_view(), name="api-analytics-stats"),
    path("analytics/scans", api.ScansView.as_view(), name="api-analytics-scans"),
    path("analytics/breakdown", api.BreakdownView.as_view(), name="api-analytics-breakdown"),
    path("analytics/top-qr-codes", api.TopQRCodesView.as_view(), name="api-analytics-top-qr-codes"),
    path("analytics/campaigns", api.CampaignComparisonView.as_view(), name="api-analytics-campaigns"),
    path("analytics/export/scans.csv", api.ExportScansView.as_view(), name="api-analytics-export-scans"),
    path("analytics/export/aggregates.csv", api.ExportAggregatesView.as_view(),
         name="api-analytics-export-aggregates"),
]
