"""The columns of each kind of the interchange format, version 1 (DESIGN.md §8).

Keys are the English column names; `label` is the Vietnamese header a clerk may write instead.
Allowed values of list columns come from the models' choices, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from ranks.coverage.models import SecondmentRole
from ranks.org.kinds import KINDS as STANDARD_KINDS
from ranks.org.models import PlaceKind
from ranks.org.tree import AREA_FLAGS
from ranks.people.models import (
    EducationGeneral,
    EducationProfessional,
    Gender,
    LeftReason,
    Occupation,
)
from ranks.people.names import fold
from ranks.pipeline.models import SourceGroup, Stage
from ranks.reports.labels import AREA_FLAG_LABELS
from ranks.targets.models import Metric

TEXT, DATE, BOOL, INT, LIST, CHOICE, CHOICES = (
    "text",
    "date",
    "bool",
    "int",
    "list",
    "choice",
    "choices",
)

UNIT_KINDS = (
    "central",
    "provincial_committee",
    "district_committee",
    "commune_committee",
    "bloc_committee",
    "police_committee",
    "military_committee",
    "grassroots_committee",
    "grassroots_cell",
    "cell",
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Vietnamese header
    type: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str | Promise = ""
    max_length: int = 200
    # Names of list values as clerks write them, folded ("nam", "nong dan") → key.
    aliases: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # The name of each list value in the user's language (lazy): key → label.
    labels: dict[str, str | Promise] = field(default_factory=dict, compare=False, hash=False)

    def label_of(self, value: str) -> str:
        """The name of a list value in the active language (the key when it has none)."""
        return str(self.labels.get(value, value))

    def allowed_labels(self) -> tuple[str, ...]:
        """The names of the list values in the active language, in the list's order."""
        return tuple(self.label_of(value) for value in self.choices)


@dataclass(frozen=True)
class Kind:
    key: str
    title: str | Promise
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]
    notes: str | Promise = ""
    by_key: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self.by_key.update({c.key: c for c in self.columns})


def _choices(model_choices) -> tuple[str, ...]:
    return tuple(model_choices.values)


def _aliases(model_choices) -> dict[str, str]:
    """The Vietnamese and English names of each value, folded, so "Nam" reads as `male`."""
    return _aliases_of(dict(model_choices.choices))


def _aliases_of(labels: dict[str, str | Promise]) -> dict[str, str]:
    names: dict[str, str] = {}
    for language in ("en", "vi"):
        with translation.override(language):
            for value, label in labels.items():
                names.setdefault(fold(str(label)), value)
    return names


def _labels(model_choices) -> dict[str, str | Promise]:
    return dict(model_choices.choices)


def _in_language(vi: str, en: str) -> str:
    return en if (translation.get_language() or "vi").startswith("en") else vi


# The unit kinds' names are data (`org.kinds`, the rows a database starts with).
UNIT_KIND_LABELS: dict[str, str | Promise] = {
    key: lazy(_in_language, str)(vi, en) for key, vi, en, _order, _holds in STANDARD_KINDS
}


def _kind(key, title, columns, key_columns, notes="") -> Kind:
    return Kind(
        key=key, title=title, columns=tuple(columns), key_columns=tuple(key_columns), notes=notes
    )


def build_kinds() -> dict[str, Kind]:
    flags = Column(
        "area_flags",
        "vùng",
        LIST,
        choices=AREA_FLAGS,
        help=_("Area flags, separated by “;”."),
        aliases=_aliases_of(dict(AREA_FLAG_LABELS)),
        labels=dict(AREA_FLAG_LABELS),
    )
    kinds = [
        _kind(
            "units",
            _("Units (party organisations)"),
            [
                Column(
                    "code", "mã", required=True, max_length=60, help=_("Stable code of the unit.")
                ),
                Column("name", "tên", required=True, help=_("Name in this period.")),
                Column(
                    "kind",
                    "loại",
                    CHOICE,
                    required=True,
                    choices=UNIT_KINDS,
                    aliases=_aliases_of(UNIT_KIND_LABELS),
                    labels=UNIT_KIND_LABELS,
                ),
                Column(
                    "parent_code",
                    "mã cấp trên",
                    max_length=60,
                    help=_("Code of the unit directly above, in this period."),
                ),
                Column("valid_from", "hiệu lực từ", DATE),
                Column("valid_to", "hiệu lực đến", DATE),
                flags,
                Column(
                    "can_admit",
                    "được kết nạp",
                    BOOL,
                    help=_("true if the unit decides admissions."),
                ),
                # Beyond §8 (docs/interchange.md): what `ranks restructure plan` matches by.
                Column(
                    "admin_code",
                    "mã hành chính",
                    max_length=20,
                    help=_(
                        "The official code of the administrative unit the committee leads "
                        "(a commune's, a district's, a province's), in this period."
                    ),
                ),
            ],
            ["code", "valid_from"],
            _("One row per period of a unit: several rows with the same code record its history."),
        ),
        _kind(
            "places",
            _("Places"),
            [
                Column("code", "mã", required=True, max_length=60),
                Column("name", "tên", required=True),
                Column(
                    "kind",
                    "loại",
                    CHOICE,
                    required=True,
                    choices=_choices(PlaceKind),
                    aliases=_aliases(PlaceKind),
                    labels=_labels(PlaceKind),
                ),
                Column("unit_code", "mã tổ chức", required=True, max_length=60),
                Column(
                    "cell_codes",
                    "mã chi bộ",
                    LIST,
                    help=_("Cells based at this place, separated by “;”."),
                ),
                flags,
                Column("valid_from", "hiệu lực từ", DATE),
                Column("valid_to", "hiệu lực đến", DATE),
            ],
            ["code", "valid_from"],
        ),
        _kind(
            "people",
            _("People"),
            [
                Column("person_id", "mã người", required=True, max_length=40),
                Column("full_name", "họ và tên", required=True),
                Column("birth_date", "ngày sinh", DATE, required=True),
                Column(
                    "gender",
                    "giới tính",
                    CHOICE,
                    choices=_choices(Gender),
                    aliases=_aliases(Gender),
                    labels=_labels(Gender),
                ),
                Column("ethnicity", "dân tộc", max_length=60),
                Column("religion", "tôn giáo", max_length=60),
                Column(
                    "education_general",
                    "trình độ phổ thông",
                    CHOICE,
                    choices=_choices(EducationGeneral),
                    aliases=_aliases(EducationGeneral),
                    labels=_labels(EducationGeneral),
                ),
                Column(
                    "education_professional",
                    "trình độ chuyên môn",
                    CHOICE,
                    choices=_choices(EducationProfessional),
                    aliases=_aliases(EducationProfessional),
                    labels=_labels(EducationProfessional),
                ),
                Column(
                    "occupation",
                    "nghề nghiệp",
                    CHOICE,
                    choices=_choices(Occupation),
                    aliases=_aliases(Occupation),
                    labels=_labels(Occupation),
                ),
                Column("youth_union", "đoàn viên", BOOL),
                Column("residence_place_code", "mã nơi cư trú", max_length=60),
                Column("workplace_place_code", "mã nơi làm việc", max_length=60),
                Column("national_id", "số định danh", max_length=20),
                Column("phone", "điện thoại", max_length=20),
                # Beyond §8 (docs/interchange.md): when the residence or workplace given began.
                Column(
                    "places_from",
                    "chuyển đến từ ngày",
                    DATE,
                    help=_(
                        "Since when the person lives or works at the places given (a move); "
                        "empty: not known, or today for a change."
                    ),
                ),
                # Beyond §8: from when the occupation, education, ethnicity, religion and Youth
                # Union membership given hold (people.attributes).
                Column(
                    "attributes_from",
                    "thông tin có từ ngày",
                    DATE,
                    help=_(
                        "Since when the occupation, education, ethnicity, religion and Youth "
                        "Union membership given hold; empty: since birth for a new person, "
                        "today for a change."
                    ),
                ),
            ],
            ["person_id"],
        ),
        _kind(
            "members",
            _("Party members"),
            [
                Column("person_id", "mã người", required=True, max_length=40),
                Column("cell_code", "mã chi bộ", required=True, max_length=60),
                Column("admission_decision_date", "ngày quyết định kết nạp", DATE, required=True),
                Column("admission_decision_no", "số quyết định kết nạp", max_length=60),
                Column("ceremony_date", "ngày lễ kết nạp", DATE),
                Column("official_date", "ngày công nhận chính thức", DATE),
                Column("left_date", "ngày ra khỏi danh sách", DATE),
                Column(
                    "left_reason",
                    "lý do",
                    CHOICE,
                    choices=_choices(LeftReason),
                    aliases=_aliases(LeftReason),
                    labels=_labels(LeftReason),
                ),
                Column(
                    "cell_from",
                    "sinh hoạt từ",
                    DATE,
                    help=_(
                        "Since when the member belongs to this cell (default: the admission decision date). A member who moved between cells has one row per cell."
                    ),
                ),
            ],
            ["person_id", "cell_from"],
        ),
        _kind(
            "candidates",
            _("Candidates (source list)"),
            [
                Column("person_id", "mã người", required=True, max_length=40),
                Column("cell_code", "mã chi bộ", required=True, max_length=60),
                Column("added_on", "ngày đưa vào nguồn", DATE, required=True),
                Column(
                    "source_group",
                    "nhóm nguồn",
                    CHOICE,
                    choices=_choices(SourceGroup),
                    aliases=_aliases(SourceGroup),
                    labels=_labels(SourceGroup),
                ),
                Column(
                    "mentor_person_ids",
                    "đảng viên giúp đỡ",
                    LIST,
                    help=_("Members in charge, by person_id, separated by “;”."),
                ),
            ],
            ["person_id"],
        ),
        _kind(
            "events",
            _("Stage events"),
            [
                Column("person_id", "mã người", required=True, max_length=40),
                Column(
                    "stage",
                    "bước",
                    CHOICE,
                    required=True,
                    choices=_choices(Stage),
                    aliases=_aliases(Stage),
                    labels=_labels(Stage),
                ),
                Column("date", "ngày", DATE, required=True),
                Column("detail", "ghi chú", max_length=2000),
                Column("certificate_no", "số giấy chứng nhận", max_length=60),
                Column("votes_for", "số phiếu tán thành", INT),
                Column("official_members", "số đảng viên chính thức", INT),
                Column("decision_no", "số quyết định", max_length=60),
                Column("received_on", "ngày nhận quyết định", DATE),
                Column("to_unit_code", "mã tổ chức nhận", max_length=60),
                # Beyond §8 (docs/interchange.md): the stage fields of issue 4 and exceptions.
                Column("class_name", "tên lớp", max_length=200),
                Column(
                    "introducer_person_ids",
                    "người giới thiệu",
                    LIST,
                    help=_("Introducers, by person_id, separated by “;”."),
                ),
                Column(
                    "youth_union_resolution",
                    "nghị quyết giới thiệu của Đoàn",
                    BOOL,
                    help=_(
                        "true when the Youth Union executive's resolution introduces the candidate "
                        "with one official member."
                    ),
                ),
                Column("authority", "cấp quyết định", max_length=200),
                Column("location", "nơi đến", max_length=200),
                Column(
                    "exception_approved_by",
                    "người duyệt ngoại lệ",
                    max_length=200,
                    help=_("Who approved an event that breaks a rule (with the document)."),
                ),
                Column("exception_document", "văn bản cho phép ngoại lệ", max_length=200),
            ],
            ["person_id", "stage", "date"],
        ),
        _kind(
            "targets",
            _("Targets"),
            [
                Column("unit_code", "mã tổ chức", required=True, max_length=60),
                Column("year", "năm", INT, required=True),
                Column(
                    "metric",
                    "chỉ tiêu",
                    CHOICE,
                    required=True,
                    choices=_choices(Metric),
                    aliases=_aliases(Metric),
                    labels=_labels(Metric),
                ),
                Column("value", "giá trị", INT, required=True),
            ],
            ["unit_code", "year", "metric"],
        ),
        _kind(
            "secondments",
            _("Secondments"),
            [
                Column("person_id", "mã người", required=True, max_length=40),
                Column("cell_code", "mã chi bộ", required=True, max_length=60),
                Column(
                    "role",
                    "chức vụ",
                    CHOICE,
                    required=True,
                    choices=_choices(SecondmentRole),
                    aliases=_aliases(SecondmentRole),
                    labels=_labels(SecondmentRole),
                ),
                Column("from_date", "từ ngày", DATE, required=True),
                Column("to_date", "đến ngày", DATE),
                Column("home_unit_code", "mã đơn vị gốc", max_length=60),
            ],
            ["person_id", "cell_code", "from_date"],
        ),
    ]
    return {k.key: k for k in kinds}


KIND_ORDER = (
    "units",
    "places",
    "people",
    "members",
    "candidates",
    "events",
    "targets",
    "secondments",
)
KINDS = build_kinds()
