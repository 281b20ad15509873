"""API routes of the studio, mounted under /api/ before qrcodes' (so /api/qrcodes/import is
not read as a code id)."""

from studio.api import bulk, design, kits

urlpatterns = [*design.urlpatterns, *kits.urlpatterns, *bulk.urlpatterns]
