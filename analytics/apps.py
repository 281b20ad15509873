from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        """Register what the layers below call (imports run one way, .importlinter):
        - qrcodes.hooks: the scan workers move the rollups in the transaction that counts the
          scans; a counter recompute rebuilds them; deleting a QR code takes its scans out of
          every rollup in the delete's transaction (analytics.rollup_deletes);
        - campaigns.hooks: campaign pages read scans per day from the day rollups.
        Campaigns need no delete hook: they have no rollups of their own."""
        from analytics.rollup_deletes import rollups_qr_codes_forget
        from analytics.rollups import daily_scans, rollup_scan_events, rollups_rebuild
        from campaigns import hooks as campaign_hooks
        from qrcodes import hooks

        for registry, hook in ((hooks.scans_counted, rollup_scan_events),
                               (hooks.counters_recomputed, rollups_rebuild),
                               (hooks.qr_codes_deleting, rollups_qr_codes_forget)):
            if hook not in registry:
                registry.append(hook)
        campaign_hooks.register_daily_scans(daily_scans)
