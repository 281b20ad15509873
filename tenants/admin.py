"""The admin of Organization, User and ActivityLog is part of the OI console: oi_admin/admin.py."""
