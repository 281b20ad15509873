"""API routes of this app, mounted under /api/."""

from django.urls import path

from uploads import api

urlpatterns = [
    path("uploads", api.UploadListView.as_view(), name="api-uploads"),
    path("uploads/usage", api.StorageUsageView.as_view(), name="api-upload-usage"),
    path("uploads/<uuid:upload_id>", api.UploadDetailView.as_view(), name="api-upload-detail"),
    path("uploads/<uuid:upload_id>/download", api.UploadDownloadView.as_view(), name="api-upload-download"),
]
