import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower

from tenants.plans import PLAN_CHOICES, SMALL_BUSINESS
from tenants.scoping import TenantOwnedModel

GB = 1024**3


class Organization(models.Model):
    """A customer (tenant). Counters are maintained by services and workers, never by hand."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company_name = models.CharField(max_length=255)
    company_email = models.EmailField(max_length=254)
    plan_type = models.CharField(max_length=32, choices=PLAN_CHOICES, default=SMALL_BUSINESS)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    max_contributors = models.PositiveIntegerField(null=True, blank=True, help_text="Empty = unlimited")
    max_qr_codes = models.PositiveIntegerField(null=True, blank=True, help_text="Empty = unlimited")
    storage_limit_gb = models.PositiveIntegerField(default=250)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    phone = models.CharField(max_length=40, blank=True)
    billing_address = models.CharField(max_length=500, blank=True)
    total_qr_codes = models.PositiveIntegerField(default=0)
    total_qr_scans = models.BigIntegerField(default=0)
    total_uploads = models.PositiveIntegerField(default=0)
    storage_used_bytes = models.BigIntegerField(default=0)
    data_sharing_opted_out = models.BooleanField(default=False)
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


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
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

    def clean(self) -> None:
        super().clean()
        self.email = (self.email or "").strip().lower()


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
