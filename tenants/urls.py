from django.contrib.auth import views as auth_views
from django.urls import path

from tenants import views

urlpatterns = [
    path("", views.home, name="home"),
    path("register", views.register, name="register"),
    path("login", views.login_view, name="login"),
    path("logout", views.logout_view, name="logout"),
    path("password-reset", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Changing the password ends every other session and every API token of the user
    # (User.auth_generation); this session stays logged in.
    path("password-change", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("team", views.team, name="team"),
    path("team/<str:user_id>/update", views.team_member_update, name="team-member-update"),
    path("team/invite/<uidb64>/<token>", views.team_invite_accept, name="team-invite-accept"),
    path("activity", views.activity, name="activity"),
    path("plan", views.plan, name="plan"),
    path("plan/request", views.plan_change_request, name="plan-change-request"),
    path("plan/request/<str:request_id>/cancel", views.plan_change_cancel, name="plan-change-cancel"),
    path("settings", views.organization_settings, name="organization-settings"),
]
