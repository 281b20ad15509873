"""Imports run one way (.importlinter): outbound_impact wires; demo, oi_admin, analytics,
campaigns, uploads, qrcodes, tenants and core each import only the layers below them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_imports_run_one_way():
    linter = Path(sys.executable).with_name("lint-imports")
    r = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "1 kept, 0 broken" in r.stdout


def test_the_layers_above_register_their_hooks():
    """What the scan pipeline and the campaign pages need from analytics arrives through
    hooks registered at start-up, not imports."""
    from analytics.rollup_deletes import rollups_qr_codes_forget
    from analytics.rollups import rollup_scan_events, rollups_rebuild
    from campaigns import hooks as campaign_hooks
    from qrcodes import hooks

    assert hooks.scans_counted == [rollup_scan_events]
    assert hooks.counters_recomputed == [rollups_rebuild]
    assert hooks.qr_codes_deleting == [rollups_qr_codes_forget]
    from oi_admin.cells import scan_cells_forget_days

    assert hooks.scan_days_forgotten == [scan_cells_forget_days]
    assert campaign_hooks._daily_scans is not None
