"""Persons, party memberships, and postings of members to cells over time."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ranks.core.crypto import EncryptedCharField
from ranks.org.models import Place, Unit, ValidityQuerySet
from ranks.people import status
from ranks.people.names import fold


class Gender(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class EducationGeneral(models.TextChoices):
    # Literate without a school certificate: village elders in the areas of R3.
    READ_WRITE = "read_write", _("read and write only")
    PRIMARY = "primary", _("primary")
    LOWER_SECONDARY = "lower_secondary", _("lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("upper secondary")


class EducationProfessional(models.TextChoices):
    NONE = "none", _("none")
    VOCATIONAL = "vocational", _("vocational")
    COLLEGE = "college", _("college")
    UNIVERSITY = "university", _("university")
    POSTGRADUATE = "postgraduate", _("postgraduate")


class Occupation(models.TextChoices):
    FARMER = "farmer", _("farmer")
    WORKER = "worker", _("worker")
    STUDENT = "student", _("student")
    CIVIL_SERVANT = "civil_servant", _("civil servant")
    ARMED_FORCES = "armed_forces", _("armed forces")
    ENTERPRISE_EMPLOYEE = "enterprise_employee", _("enterprise employee")
    SELF_EMPLOYED = "self_employed", _("self-employed")
    RELIGIOUS_DIGNITARY = "religious_dignitary", _("religious dignitary")
    RETIRED = "retired", _("retired")
    OTHER = "other", _("other")


class LeftReason(models.TextChoices):
    DEATH = "death", _("death")
    REMOVAL = "removal", _("removal")
    TRANSFER_OUT = "transfer_out", _("transfer out of the system")


SENSITIVE_FIELDS = ("ethnicity", "religion", "national_id")


class Person(models.Model):
    person_id = models.CharField(max_length=40, unique=True)
    full_name = models.CharField(max_length=200)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    birth_date = models.DateField()
    gender = models.CharField(max_length=10, choices=Gender.choices, blank=True)
    ethnicity = models.CharField(max_length=60, blank=True)
    religion = models.CharField(max_length=60, blank=True)
    education_general = models.CharField(
        max_length=20, choices=EducationGeneral.choices, blank=True
    )
    education_professional = models.CharField(
        max_length=20, choices=EducationProfessional.choices, blank=True
    )
    occupation = models.CharField(max_length=30, choices=Occupation.choices, blank=True)
    youth_union = models.BooleanField(default=False)
    residence_place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="residents"
    )
    workplace_place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="workers"
    )
    # Encrypted at rest under the data key; the audit keeps a keyed hash (docs/privacy.md).
    national_id = EncryptedCharField(max_length=20, blank=True)
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["search_name", "person_id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_name = fold(self.full_name)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.full_name


class Membership(models.Model):
    """A party membership: from the admission decision to leaving, if ever."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    admission_decision_date = models.DateField()
    admission_decision_no = models.CharField(max_length=60, blank=True)
    ceremony_date = models.DateField(null=True, blank=True)
    official_date = models.DateField(null=True, blank=True)
    left_date = models.DateField(null=True, blank=True)
    left_reason = models.CharField(max_length=20, choices=LeftReason.choices, blank=True)

    class Meta:
        ordering = ["admission_decision_date"]
        indexes = [
            models.Index(fields=["admission_decision_date"]),
            # The members present on a day that is not the first of a month are the counters'
            # figure on the first plus the changes of the days between, found through these.
            models.Index(
                fields=["left_date"],
                condition=models.Q(left_date__isnull=False),
                name="membership_left",
            ),
            models.Index(fields=["official_date"], name="membership_official"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    @property
    def dates(self) -> status.MembershipDates:
        return status.MembershipDates(
            self.admission_decision_date, self.ceremony_date, self.official_date, self.left_date
        )

    def __str__(self) -> str:
        return f"{self.person_id} {self.admission_decision_date}"

    def status_on(self, day) -> str:
        return status.status_on(self.dates, day)

    def party_age_on(self, day) -> tuple[int, int]:
        return status.party_age(self.dates, day)


class Posting(models.Model):
    """A member's time in one cell; a transfer closes one posting and opens the next."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="postings")
    # Looked up by person or by cell through the indexes below, which begin with them.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="postings", db_index=False
    )
    cell = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="postings", db_index=False
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    # Set on the posting a restructure opened when it carried the member from a closing cell:
    # a carry, not a transfer (the transfers and their counters leave it out). Undo reads the
    # postings it made from the restructure's record of its changes, not through this column.
    restructure = models.ForeignKey(
        "restructure.Restructure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    objects = ValidityQuerySet.as_manager()

    class Meta:
        ordering = ["valid_from"]
        indexes = [
            models.Index(fields=["cell", "valid_from"]),
            models.Index(fields=["person", "valid_from"]),
            models.Index(fields=["valid_from"], name="posting_starts"),
            models.Index(
                fields=["valid_to"],
                condition=models.Q(valid_to__isnull=False),
                name="posting_ends",
            ),
        ]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.cell_id} {self.valid_from} – {self.valid_to or '…'}"


class PlaceRole(models.TextChoices):
    RESIDENCE = "residence", _("lives there")
    WORKPLACE = "workplace", _("works there")


class PersonPlace(models.Model):
    """Where a person lived or worked, and when: what coverage reads on a past date. The
    person's `residence_place` and `workplace_place` are the open periods' places."""

    # Looked up by person or by place through the indexes below, which begin with them.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="place_periods", db_index=False
    )
    role = models.CharField(max_length=10, choices=PlaceRole.choices)
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="person_periods", db_index=False
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        ordering = ["person_id", "role", "valid_from"]
        indexes = [
            models.Index(fields=["place", "role"]),
            models.Index(fields=["person", "role"]),
        ]
        verbose_name = _("place of a person")
        verbose_name_plural = _("places of people")

    def __str__(self) -> str:
        return f"{self.person_id} {self.role} {self.place_id} {self.valid_from} – {self.valid_to or '…'}"


# The attributes a person's composition is counted by, which change over a life: each kept with
# the day from which it holds (`PersonAttributes`). Ethnicity and religion are sensitive.
DATED_FIELDS = (
    "occupation",
    "education_general",
    "education_professional",
    "ethnicity",
    "religion",
    "youth_union",
)


class PersonAttributes(models.Model):
    """A person's occupation, education, ethnicity, religion and Youth Union membership as they
    were from `valid_from` to `valid_to` (empty: still): one row per change of any of them, so
    that the values on a day are one row found by an index. The person's own fields are the
    open period's values. The periods of a person follow one another without a gap; a day before
    the first is read in the first (the values known earliest)."""

    # Looked up by person through the index below, which begins with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="attribute_periods", db_index=False
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    occupation = models.CharField(max_length=30, choices=Occupation.choices, blank=True)
    education_general = models.CharField(
        max_length=20, choices=EducationGeneral.choices, blank=True
    )
    education_professional = models.CharField(
        max_length=20, choices=EducationProfessional.choices, blank=True
    )
    ethnicity = models.CharField(max_length=60, blank=True)
    religion = models.CharField(max_length=60, blank=True)
    youth_union = models.BooleanField(default=False)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        ordering = ["person_id", "valid_from"]
        indexes = [models.Index(fields=["person", "valid_from"])]
        verbose_name = _("attributes of a person")
        verbose_name_plural = _("attributes of people")

    def __str__(self) -> str:
        return f"{self.person_id} attributes {self.valid_from} – {self.valid_to or '…'}"


class AbsenceWhere(models.TextChoices):
    PROVINCE = "province", _("another province")
    COUNTRY = "country", _("abroad")
    ENTERPRISE = "enterprise", _("an enterprise or company")


class Absence(models.Model):
    """A member working away from their cell ("đi làm ăn xa"): where, from when, how contact is
    kept, and the day they came back (empty while away). The cell is the one the member's posting
    was in force in on the first day away: the record stays with it whatever moves later."""

    # Looked up by person through the index below, which begins with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="absences", db_index=False
    )
    cell = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="absences")
    where_kind = models.CharField(max_length=20, choices=AbsenceWhere.choices)
    where = models.CharField(max_length=200)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    contact = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        indexes = [models.Index(fields=["person", "started_on"])]
        verbose_name = _("working away")
        verbose_name_plural = _("working away")

    def __str__(self) -> str:
        return f"{self.person_id} away {self.started_on} – {self.ended_on or '…'}"


class AbsenceComment(models.Model):
    """The comment on a member working away (R15, 213-QĐ/TW Art. 5): dated, from the cell or
    organisation where the member lives (`by_cell`, as the secretary writes it: it is often
    outside the tree, in another province or abroad), with its text. One a year is due."""

    # Looked up by absence through the index below, which begins with it.
    absence = models.ForeignKey(
        Absence, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    on = models.DateField()
    by_cell = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["absence", "on"])]
        verbose_name = _("comment on working away")
        verbose_name_plural = _("comments on working away")

    def __str__(self) -> str:
        return f"{self.absence_id} comment {self.on}"
