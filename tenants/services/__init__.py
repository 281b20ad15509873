"""Writes for organizations, users and the activity log, one module per seam:

- `organizations`: the plan an organization is on; locking organization rows.
- `registration`: sign-up.
- `auth`: checking credentials, recording a login.
- `team`: invitations, roles, deactivation, accepting an invitation.
- `activity`: the activity log.
- `plans`: plan-change requests and their decisions, sign-up on the free plan, the time zone.

Every public service is importable from `tenants.services` itself."""

from tenants.services.activity import (
    METADATA_MAX_BYTES,
    METADATA_MAX_KEYS,
    METADATA_MAX_STRING,
    SHARE_PLATFORMS,
    TRACKABLE_ACTIONS,
    TRACKABLE_ENTITIES,
    activity_record,
    activity_track,
)
from tenants.services.auth import auth_check_credentials, user_login_record
from tenants.services.organizations import organization_apply_plan, organization_lock, organizations_lock
from tenants.services.plans import (
    PLAN_ADMINS,
    SignUp,
    organization_sign_up,
    organization_timezone_set,
    plan_change_approve,
    plan_change_cancel,
    plan_change_reject,
    plan_change_request,
    sign_up_message,
)
from tenants.services.registration import organization_register
from tenants.services.team import invite_link, team_accept_invite, team_invite, team_update

__all__ = [
    "METADATA_MAX_BYTES",
    "METADATA_MAX_KEYS",
    "METADATA_MAX_STRING",
    "PLAN_ADMINS",
    "SHARE_PLATFORMS",
    "SignUp",
    "TRACKABLE_ACTIONS",
    "TRACKABLE_ENTITIES",
    "activity_record",
    "activity_track",
    "auth_check_credentials",
    "invite_link",
    "organization_apply_plan",
    "organization_lock",
    "organization_register",
    "organization_sign_up",
    "organization_timezone_set",
    "organizations_lock",
    "plan_change_approve",
    "plan_change_cancel",
    "plan_change_reject",
    "plan_change_request",
    "sign_up_message",
    "team_accept_invite",
    "team_invite",
    "team_update",
    "user_login_record",
]
