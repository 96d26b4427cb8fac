"""A person's request about their own data (Law 91/2025/QH15, Decree 356/2025/ND-CP), with the
deadline of its answer (docs/privacy.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ranks.org.models import Unit
from ranks.people.models import Person


class RequestKind(models.TextChoices):
    ACCESS = "access", _("to see or receive their data")
    CORRECTION = "correction", _("to correct their data")
    DELETION = "deletion", _("to delete their data")
    RESTRICTION = "restriction", _("to restrict the processing of their data")
    OBJECTION = "objection", _("to object to the processing of their data")
    WITHDRAWAL = "withdrawal", _("to withdraw their consent")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("open")
    ANSWERED = "answered", _("answered")
    REFUSED = "refused", _("refused, with the reason")


class DataRequest(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="data_requests")
    # The unit that received it (the person's cell or committee): whose managers answer it.
    # Looked up through the index below, which begins with it.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="data_requests", db_index=False
    )
    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    received_on = models.DateField()
    due_on = models.DateField()
    detail = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    answered_on = models.DateField(null=True, blank=True)
    answer = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=150)
    answered_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["unit", "status", "due_on"], name="data_request_due"),
        ]
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.received_on}"
