"""Users, tenants, memberships and stored idempotent responses."""
from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models


class User(AbstractUser):
    """A person who logs in. Access to data comes only through a ``Membership``."""


class Tenant(models.Model):
    """A customer company. ``short_code`` (2–8 upper-case letters/digits) prefixes run numbers."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    short_code = models.CharField(
        max_length=8, unique=True,
        validators=[RegexValidator(r"^[A-Z0-9]{2,8}$", "2–8 upper-case letters or digits.")],
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="EUR", validators=[
        RegexValidator(r"^[A-Z]{3}$", "An ISO 4217 code such as EUR or USD.")], help_text="What money is counted in.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.short_code})"


class Role(models.TextChoices):
    """Roles in rising order of power; each includes the rights of those before it."""

    VIEWER = "viewer", "Viewer"
    OPERATOR = "operator", "Operator"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"

    @classmethod
    def rank(cls, role: str) -> int:
        """0 for viewer … 3 for admin."""
        return list(cls.values).index(role)


class Membership(models.Model):
    """A user's role in one tenant; a user may be a member of several tenants."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant.short_code}: {self.role}"

    def has_role(self, role: str) -> bool:
        """True when this membership's role is ``role`` or stronger."""
        return Role.rank(self.role) >= Role.rank(role)


class IdempotencyKey(models.Model):
    """The stored outcome of one ``Idempotency-Key`` for a tenant (see ``prodtrack.idempotency``).

    ``response_status`` is null while the first request is in flight.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_unique_tenant_key")]
