"""API routes of this app, mounted under /api/ (no trailing slashes, as in the seed)."""

from django.urls import path

from qrcodes import api

urlpatterns = [
    path("qrcodes", api.QRCodeListCreate.as_view(), name="api-qrcodes"),
    path("qrcodes/performance", api.QRCodePerformance.as_view(), name="api-qrcodes-performance"),
    path("qrcodes/scan/<str:qr_code_id>", api.ScanAPI.as_view(), name="api-qrcodes-scan"),
    path("qrcodes/<str:qr_code_id>", api.QRCodeDetail.as_view(), name="api-qrcode"),
    path("qrcodes/<str:qr_code_id>/image", api.QRCodeImage.as_view(), name="api-qrcode-image"),
]
