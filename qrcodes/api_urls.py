"""API routes of this app, mounted under /api/ (no trailing slashes, as in the seed)."""

from django.urls import path

from qrcodes import api, api_destinations

urlpatterns = [
    path("qrcodes", api.QRCodeListCreate.as_view(), name="api-qrcodes"),
    path("qrcodes/performance", api.QRCodePerformance.as_view(), name="api-qrcodes-performance"),
    path("qrcodes/scan/<str:qr_code_id>", api.ScanAPI.as_view(), name="api-qrcodes-scan"),
    path("qrcodes/<str:qr_code_id>", api.QRCodeDetail.as_view(), name="api-qrcode"),
    path("qrcodes/<str:qr_code_id>/image", api.QRCodeImage.as_view(), name="api-qrcode-image"),
    path("qrcodes/<str:qr_code_id>/rules", api_destinations.QRCodeRules.as_view(), name="api-qrcode-rules"),
    path("qrcodes/<str:qr_code_id>/rules/test", api_destinations.QRCodeRulesTest.as_view(),
         name="api-qrcode-rules-test"),
    path("qrcodes/<str:qr_code_id>/versions", api_destinations.QRCodeVersions.as_view(), name="api-qrcode-versions"),
    path("qrcodes/<str:qr_code_id>/versions/<int:number>", api_destinations.QRCodeVersion.as_view(),
         name="api-qrcode-version"),
    path("qrcodes/<str:qr_code_id>/versions/<int:number>/rollback", api_destinations.QRCodeVersionRollback.as_view(),
         name="api-qrcode-version-rollback"),
]
