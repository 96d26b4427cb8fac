"""A grant: a user holds a role at a unit, covering its subtree; maybe with sensitive data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ranks.org.models import Unit


class Role(models.TextChoices):
    VIEWER = "viewer", _("viewer")
    OFFICER = "officer", _("officer")
    MANAGER = "manager", _("manager")


ROLE_RANK = {Role.VIEWER: 1, Role.OFFICER: 2, Role.MANAGER: 3}


class Grant(models.Model):
    # Looked up through the unique constraint below, which begins with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grants", db_index=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(max_length=10, choices=Role.choices)
    sensitive = models.BooleanField(
        default=False,
        help_text=_("Also shows religion, ethnicity and national ID, each read logged."),
    )
    granted_by = models.CharField(max_length=150)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="grant_one_per_user_unit")
        ]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.unit}"
