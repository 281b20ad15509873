"""HTML pages of this app."""

from django.urls import path

from campaigns import views

urlpatterns = [
    path("campaigns", views.campaign_list, name="campaign-list"),
    path("campaigns/new", views.campaign_new, name="campaign-new"),
    path("campaigns/<str:campaign_id>", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<str:campaign_id>/edit", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<str:campaign_id>/delete", views.campaign_delete, name="campaign-delete"),
]
