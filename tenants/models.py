import uuid
import zoneinfo
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac

from core.scoping import TenantOwnedModel
from tenants import plans, timezones
from tenants.emails import InvalidEmail, normalize_email

GB = 1024**3
_DEFERRED = object()  # a field not loaded from the database


class Organization(models.Model):
    """A customer (tenant). Counters are maintained by services and workers, never by hand."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company_name = models.CharField(max_length=255)
    company_email = models.EmailField(max_length=254)
    # Choices and defaults come from the plan table (tenants.plans); the limit and price
    # columns are the plan's, copied by tenants.services.organization_apply_plan.
    plan_type = models.CharField(max_length=32, choices=plans.plan_choices, default=plans.default_plan_type)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    max_contributors = models.PositiveIntegerField(
        null=True, blank=True, default=plans.default_max_contributors, help_text="Empty = unlimited"
    )
    max_qr_codes = models.PositiveIntegerField(
        null=True, blank=True, default=plans.default_max_qr_codes, help_text="Empty = unlimited"
    )
    storage_limit_gb = models.PositiveIntegerField(default=plans.default_storage_limit_gb)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, default=plans.default_monthly_price)
    phone = models.CharField(max_length=40, blank=True)
    billing_address = models.CharField(max_length=500, blank=True)
    total_qr_codes = models.PositiveIntegerField(default=0)
    total_qr_scans = models.BigIntegerField(default=0)
    total_uploads = models.PositiveIntegerField(default=0)
    storage_used_bytes = models.BigIntegerField(default=0)
    data_sharing_opted_out = models.BooleanField(default=False)
    # IANA name ("America/Chicago"): dashboards, hour of day, activity and schedules read in it.
    # Set at sign-up from the browser, editable by an Admin; tenants.timezones validates it.
    timezone = models.CharField(max_length=64, default="UTC", db_default="UTC")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "organizations"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["plan_type", "status"])]

    def __str__(self) -> str:
        return self.company_name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def storage_limit_bytes(self) -> int:
        return self.storage_limit_gb * GB

    @property
    def tzinfo(self) -> "zoneinfo.ZoneInfo":
        """The organization's zone; UTC for a name this machine's tz database does not know."""
        return timezones.zone(self.timezone)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def for_email(self, value: object) -> "models.QuerySet[User]":
        """The user with this address once normalised (tenants.emails), as login and password
        reset look it up; none for an address normalize_email refuses (an invisible character)."""
        try:
            email = normalize_email(value)
        except InvalidEmail:
            return self.none()
        return self.filter(email__iexact=email)

    def get_by_natural_key(self, username: str) -> "User":
        return self.for_email(username).get()

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=normalize_email(email), **extra)  # InvalidEmail is a ValueError
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("full_name", "OI Admin")
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Tenant users have an organization and a role; OI staff (is_staff) have none.

    `User.objects` is deliberately not tenant-scoped: authentication looks a user up by email
    before any organization is known. Team reads go through tenants.selectors.user_list, which
    filters by organization explicitly."""

    class Role(models.TextChoices):
        ADMIN = "Admin"
        EDITOR = "Editor"
        VIEWER = "Viewer"

    class Status(models.TextChoices):
        ACTIVE = "active"
        INVITED = "invited"
        DEACTIVATED = "deactivated"
        SUSPENDED = "suspended"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    # Stored lower-cased; the functional constraint below keeps it case-insensitively unique
    # even for rows written around the manager.
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=255, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    is_staff = models.BooleanField(default=False, help_text="OI staff: may use the admin console.")
    last_login_at = models.DateTimeField(null=True, blank=True)
    login_count = models.PositiveIntegerField(default=0)
    last_login_ip = models.GenericIPAddressField(null=True, blank=True)
    last_login_location = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Every credential (session, access and refresh token) carries the generation it was
    # issued under; a password change, reset or deactivation moves it on, which voids them all.
    auth_generation = models.PositiveIntegerField(default=0, db_default=0, editable=False)  # db_default: bulk COPY

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "users"
        ordering = ["created_at"]
        # the dashboard's "team members" count (active users of an organization), index-only
        indexes = [models.Index(fields=["organization", "status"], name="users_org_status")]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="users_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(is_staff=True) | models.Q(organization__isnull=False),
                name="users_tenant_user_has_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:  # used by Django's auth backends
        return self.status == self.Status.ACTIVE

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> "User":
        user = super().from_db(db, field_names, values)
        user._loaded_credentials = (user.__dict__.get("password", _DEFERRED),
                                    user.__dict__.get("status", _DEFERRED))
        return user

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Invariant: credentials issued before a password change (set, reset, the console) or
        # before the user stopped being active are void. Written here, not in each service, so
        # no path that changes a password can forget it. Django's re-hash of the same password
        # on login (a hasher upgrade) is not a change.
        loaded = getattr(self, "_loaded_credentials", None)
        if loaded is not None and not self._state.adding:
            password, status = loaded
            now = self.__dict__.get("password", _DEFERRED), self.__dict__.get("status", _DEFERRED)
            new_password = password is not _DEFERRED and now[0] not in (_DEFERRED, password)
            if (new_password and not getattr(self, "_rehashing", False)) or (
                status == self.Status.ACTIVE and now[1] not in (_DEFERRED, status)
            ):
                self.auth_generation += 1
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "auth_generation"}
        super().save(*args, **kwargs)
        self._loaded_credentials = (self.__dict__.get("password", _DEFERRED), self.__dict__.get("status", _DEFERRED))

    def check_password(self, raw_password: str) -> bool:
        self._rehashing = True  # Django may save an upgraded hash of this same password
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's session check hashes the password; the generation is hashed with it, so a
        # deactivation ends every session too (and so does a reset, as in Django).
        return salted_hmac(
            "tenants.User.session_auth_hash", f"{self.password}:{self.auth_generation}",
            secret=secret, algorithm="sha256",
        ).hexdigest()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        self.email = (self.email or "").strip().lower()
        # users_tenant_user_has_organization, as a form error: a form that does not show
        # is_staff (the console's add form) skips that constraint's own validation.
        if not self.is_staff and self.organization_id is None:
            raise ValidationError({"organization": "A customer user needs an organization (only OI staff have none)."})


# The users a plan's max_contributors counts (seats): the limit check, the team page and the
# usage meters all count these.
CONTRIBUTOR_STATUSES = (User.Status.ACTIVE, User.Status.INVITED)


class RevokedTokenFamily(models.Model):
    """A refresh-token family (one login and its rotations) that may no longer be used: the
    user logged out, or a rotated refresh token was presented again (reuse means theft).
    Access tokens carry the family too, so they stop at once, not when they expire."""

    family = models.UUIDField(primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=32)
    revoked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "revoked_token_families"

    def __str__(self) -> str:
        return f"{self.family} ({self.reason})"


class ActivityLog(TenantOwnedModel):
    """What happened in an organization: logins, creates, updates, deletes, shares."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=64)
    entity_type = models.CharField(max_length=32, blank=True)
    entity_id = models.CharField(max_length=64, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    location = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "activity_log"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="activity_org_created")]

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type} {self.entity_id}".strip()


class PlanChangeRequest(TenantOwnedModel):
    """An Admin's request to move the organization to another plan, decided by OI staff in the
    console (tenants.services.plans). A paid plan chosen at sign-up is filed as one too: a paid
    plan is never granted without staff (and, one day, a payment provider) confirming it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_plan = models.CharField(max_length=32, choices=plans.plan_choices)
    to_plan = models.CharField(max_length=32, choices=plans.plan_choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="The OI staff member."
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "plan_change_requests"
        ordering = ["-created_at", "-id"]
        verbose_name = "plan change request"
        indexes = [models.Index(fields=["organization", "-created_at"], name="plan_request_org_created")]
        constraints = [
            # At most one open request per organization: a second one is a Conflict in the service.
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(status="pending"), name="plan_request_one_pending"
            ),
            models.CheckConstraint(condition=~models.Q(from_plan=models.F("to_plan")), name="plan_request_changes_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.from_label} → {self.to_label} ({self.status})"

    @property
    def from_label(self) -> str:
        plan = plans.PLANS.get(self.from_plan)
        return plan.label if plan else self.from_plan

    @property
    def to_label(self) -> str:
        plan = plans.PLANS.get(self.to_plan)
        return plan.label if plan else self.to_plan

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
