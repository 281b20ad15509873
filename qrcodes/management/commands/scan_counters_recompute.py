"""Recompute the scan counters from the events: QRCode.total_scans / last_scanned_at,
Organization.total_qr_scans / total_qr_codes, then the analytics rollups. Prints every counter
and a summary (with samples) of every rollup table it changed: the workers and the delete
services keep them equal to a rebuild, so any such line means something had drifted."""

from django.core.management.base import BaseCommand, CommandParser

from core.ids import as_uuid
from qrcodes.counting import counters_recompute, scan_pending_count, scan_sweep_run
from tenants.models import Organization


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
        fixed: list[str] = []

        def report(line: str) -> None:  # what the recompute changed: it should find nothing
            fixed.append(line)
            self.stdout.write(self.style.WARNING(line))

        n = counters_recompute(organization_id=org_id, report=report)
        self.stdout.write(self.style.SUCCESS(
            f"recomputed counters of {n} organization(s): "
            + (f"{len(fixed)} line(s) above were out of step and are fixed" if fixed else "nothing had drifted")
            + f"; {scan_pending_count()} scan events still pending"
        ))
