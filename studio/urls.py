"""HTML pages of the studio (included before qrcodes.urls: /qrcodes/<id>/studio is not a
qrcodes action)."""

from studio.views import bulk_import, design, kits, logo, print_sheets

urlpatterns = [*design.urlpatterns, *logo.urlpatterns, *kits.urlpatterns, *bulk_import.urlpatterns, *print_sheets.urlpatterns]
