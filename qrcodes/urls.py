"""HTML pages of this app, and the public scan redirect `/s/<short_code>`."""

from django.urls import include, path

from qrcodes import views

urlpatterns = [
    path("s/<str:short_code>", views.scan_redirect, name="scan"),
    path("qrcodes", views.qr_list, name="qrcodes"),
    path("qrcodes/new", views.qr_new, name="qrcode-new"),
    path("qrcodes/<uuid:qr_code_id>", views.qr_detail, name="qrcode"),
    path("qrcodes/<uuid:qr_code_id>/edit", views.qr_edit, name="qrcode-edit"),
    path("", include("qrcodes.views_rules")),  # /qrcodes/<id>/rules is not a qrcodes action
    path("qrcodes/<uuid:qr_code_id>/<str:action>", views.qr_action, name="qrcode-action"),
]
