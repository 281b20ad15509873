"""API routes of this app, mounted under /api/."""

from django.urls import path

from campaigns import api

urlpatterns = [
    path("campaigns", api.CampaignListView.as_view(), name="api-campaigns"),
    path("campaigns/stats", api.CampaignStatsView.as_view(), name="api-campaign-stats"),
    path("campaigns/<str:campaign_id>", api.CampaignDetailView.as_view(), name="api-campaign-detail"),
    path("campaigns/<str:campaign_id>/qr-codes", api.CampaignQRCodesView.as_view(), name="api-campaign-qr-codes"),
]
