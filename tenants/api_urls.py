from django.urls import path

from tenants import api

urlpatterns = [
    path("auth/register", api.RegisterView.as_view(), name="api-register"),
    path("auth/login", api.LoginView.as_view(), name="api-login"),
    path("auth/refresh", api.RefreshView.as_view(), name="api-refresh"),
    path("auth/logout", api.LogoutView.as_view(), name="api-logout"),
    path("team", api.TeamView.as_view(), name="api-team"),
    path("team/<str:user_id>", api.TeamMemberView.as_view(), name="api-team-member"),
    path("activity/track", api.ActivityTrackView.as_view(), name="api-activity-track"),
    path("activity/recent", api.ActivityRecentView.as_view(), name="api-activity-recent"),
]
