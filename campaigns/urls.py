"""HTML pages of this app."""

from django.urls import path

from campaigns import views

urlpatterns = [
    path("campaigns", views.campaign_list, name="campaign-list"),
    path("campaigns/new", views.campaign_new, name="campaign-new"),
    path("campaigns/<str:campaign_id>", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<str:campaign_id>/edit", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<str:campaign_id>/delete", views.campaign_delete, name="campaign-delete"),
    path("campaigns/<str:campaign_id>/qr-codes", views.campaign_qr_codes, name="campaign-qr-codes"),
    # the public share link of a campaign (campaigns.sharing); never a scan of a QR code
    path("l/<str:share_code>", views.share_redirect, name="campaign-share"),
]
