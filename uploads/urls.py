"""HTML pages of this app, and the public content page of QR codes that point at a file."""

from django.urls import path

from uploads import views

urlpatterns = [
    path("uploads", views.uploads_page, name="upload-list"),
    path("uploads/<str:upload_id>/download", views.upload_download, name="upload-download"),
    path("uploads/<str:upload_id>/delete", views.upload_delete, name="upload-delete"),
    path("c/<str:short_code>", views.public_content, name="public-content"),
    path("c/<str:short_code>/file", views.public_file, {"disposition": "inline"}, name="public-content-file"),
    path("c/<str:short_code>/download", views.public_file, {"disposition": "attachment"}, name="public-content-download"),
]
