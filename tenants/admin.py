"""Minimal registrations; the OI console (oi_admin) builds the full cross-tenant admin."""
