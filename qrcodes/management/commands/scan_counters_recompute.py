"""Recompute the scan counters from the events: QRCode.total_scans / last_scanned_at,
Organization.total_qr_scans / total_qr_codes, then the analytics rollups."""

from django.core.management.base import BaseCommand, CommandParser

from qrcodes.counting import counters_recompute, scan_pending_count, scan_sweep_run
from tenants.models import Organization
from tenants.scoping import as_uuid


class Command(BaseCommand):
    help = "Recompute QR/organization scan counters (and rollups) from the raw scan events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", help="Only this organization id.")
        parser.add_argument("--process-pending", action="store_true",
                            help="First enrich and count the pending events (what the sweep does).")

    def handle(self, *args, **options) -> None:
        org_id = None
        if options["organization"]:
            org_id = as_uuid(options["organization"])
            if org_id is None or not Organization.objects.filter(pk=org_id).exists():
                self.stderr.write(f"no organization {options['organization']!r}")
                raise SystemExit(2)
        if options["process_pending"]:
            n = scan_sweep_run(time_budget=3600)
            self.stdout.write(f"processed {n} pending scan events")
        n = counters_recompute(organization_id=org_id)
        self.stdout.write(self.style.SUCCESS(
            f"recomputed counters of {n} organization(s); {scan_pending_count()} scan events still pending"
        ))
