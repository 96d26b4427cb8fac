"""The words of pages and reports in the reader's language: statuses, metrics, composition
dimensions and their values, place kinds, secondment roles, area flags, cell findings, months,
the place-and-date line. A page or report that shows one of these takes its words from here."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

from django.db.models import TextChoices
from django.utils import formats, numberformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from ranks.core.collation import sort_key
from ranks.coverage.models import SecondmentRole
from ranks.org.models import PlaceKind
from ranks.people.models import EducationGeneral, EducationProfessional, Gender, Occupation
from ranks.pipeline.findings_text import rule_title
from ranks.pipeline.models import SourceGroup
from ranks.targets.models import Metric
from ranks.targets.results import AGE_BANDS, AT_RISK, BEHIND, DIMENSIONS, NO_TARGET, ON_TRACK

STATUS_LABELS = {
    ON_TRACK: gettext_lazy("on track"),
    AT_RISK: gettext_lazy("at risk"),
    BEHIND: gettext_lazy("behind"),
    NO_TARGET: gettext_lazy("no target"),
}
# The pages have room to say more; in Vietnamese both say the same.
STATUS_LABELS_IN_FULL = {
    **STATUS_LABELS,
    AT_RISK: gettext_lazy("at risk of missing the target"),
    NO_TARGET: gettext_lazy("no target set"),
}

DIMENSION_LABELS = {
    "occupation": gettext_lazy("occupation"),
    "gender": gettext_lazy("gender"),
    "ethnicity": gettext_lazy("ethnicity"),
    "religion": gettext_lazy("religion"),
    "age_band": gettext_lazy("age band"),
    "education_general": gettext_lazy("general education"),
    "education_professional": gettext_lazy("professional qualification"),
    "youth_union": gettext_lazy("Youth Union membership"),
    "source_group": gettext_lazy("source group"),
    "place_kind": gettext_lazy("place kind"),
}
# A dimension as the caption of its own table, on the dashboard.
DIMENSION_TITLES = {
    "occupation": gettext_lazy("Occupation"),
    "gender": gettext_lazy("Gender"),
    "ethnicity": gettext_lazy("Ethnicity"),
    "religion": gettext_lazy("Religion"),
    "age_band": gettext_lazy("Age at admission"),
    "education_general": gettext_lazy("General education"),
    "education_professional": gettext_lazy("Professional education"),
    "youth_union": gettext_lazy("Youth Union member"),
    "source_group": gettext_lazy("Source group"),
    "place_kind": gettext_lazy("Where the cell is based"),
}
AGE_BAND_LABELS = dict(
    zip(
        ("under_18", *AGE_BANDS),
        (
            gettext_lazy("under 18"),
            gettext_lazy("18–30"),
            gettext_lazy("31–40"),
            gettext_lazy("41–50"),
            gettext_lazy("51–60"),
            gettext_lazy("over 60"),
        ),
        strict=True,
    )
)

# The area flags of units and places (ranks.org.tree.AREA_FLAGS), worded as the pages word them.
AREA_FLAG_LABELS = {
    "mountainous": gettext_lazy("mountainous"),
    "border": gettext_lazy("border"),
    "island": gettext_lazy("island"),
    "ethnic_minority": gettext_lazy("ethnic-minority area"),
    "disadvantaged": gettext_lazy("especially disadvantaged"),
    "fishermen": gettext_lazy("sea-going fishermen"),
}

# What cell health finds (ranks.coverage.health.FLAGS), in that order, worded as the pages word
# them; a report adds the rule a finding follows.
CELL_FLAG_LABELS = {
    "below_minimum": gettext_lazy("below 3 official members"),
    "stands_only_by_secondment": gettext_lazy("stands only by its seconded members"),
    "no_admission_5_years": gettext_lazy("no admission for 5 years in a row"),
    "no_successor": gettext_lazy("no successor: no candidate in the source list"),
    "seconded_secretary": gettext_lazy("secretary seconded from elsewhere"),
    "committee_due": gettext_lazy("9 or more official members: elect a cell committee"),
}
CELL_FLAG_RULES = {
    "below_minimum": "R14",
    "stands_only_by_secondment": "R14",
    "committee_due": "R14",
}

# Dimensions whose values are keys of a list of choices, shown in the list's order.
CHOICES: dict[str, type[TextChoices]] = {
    "occupation": Occupation,
    "gender": Gender,
    "education_general": EducationGeneral,
    "education_professional": EducationProfessional,
    "source_group": SourceGroup,
    "place_kind": PlaceKind,
}

YES = ("true", "yes", "1")
NO = ("false", "no", "0")

MONTHS_SHORT = (
    pgettext_lazy("month on a chart", "Jan"),
    pgettext_lazy("month on a chart", "Feb"),
    pgettext_lazy("month on a chart", "Mar"),
    pgettext_lazy("month on a chart", "Apr"),
    pgettext_lazy("month on a chart", "May"),
    pgettext_lazy("month on a chart", "Jun"),
    pgettext_lazy("month on a chart", "Jul"),
    pgettext_lazy("month on a chart", "Aug"),
    pgettext_lazy("month on a chart", "Sep"),
    pgettext_lazy("month on a chart", "Oct"),
    pgettext_lazy("month on a chart", "Nov"),
    pgettext_lazy("month on a chart", "Dec"),
)

# In Vietnamese the month of a date line is its number ("tháng 11"), 01 and 02 with a zero.
MONTHS_IN_DATE_LINE = (
    pgettext_lazy("month in a date line", "January"),
    pgettext_lazy("month in a date line", "February"),
    pgettext_lazy("month in a date line", "March"),
    pgettext_lazy("month in a date line", "April"),
    pgettext_lazy("month in a date line", "May"),
    pgettext_lazy("month in a date line", "June"),
    pgettext_lazy("month in a date line", "July"),
    pgettext_lazy("month in a date line", "August"),
    pgettext_lazy("month in a date line", "September"),
    pgettext_lazy("month in a date line", "October"),
    pgettext_lazy("month in a date line", "November"),
    pgettext_lazy("month in a date line", "December"),
)

# "Đảng bộ tỉnh Hải Dương" → "Hải Dương": the place a unit's documents are dated at.
_UNIT_WORDS = re.compile(
    r"^(?:đảng bộ|chi bộ|đảng ủy|đảng uỷ)\s+"
    r"(?:(?:tỉnh|thành phố|huyện|quận|thị xã|thị trấn|xã|phường|đặc khu|khối|thôn|bản|ấp|"
    r"tổ dân phố|khu phố|trường|cơ quan|công ty)\s+)?",
    re.IGNORECASE,
)


def format_number(value: float | int | None, decimals: int = 0) -> str:
    """In the active language's convention: 1.234,5 in Vietnamese, 1,234.5 in English."""
    if value is None:
        return ""
    # Vietnamese formats name no grouping of thousands; reports always group them by three.
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def plain_number(value: float) -> str:
    """A figure with as many decimals as it needs, at most one: 3, 3,5."""
    return format_number(value, 0 if float(value).is_integer() else 1)


def status_label(status: str, *, in_full: bool = False) -> str:
    return str((STATUS_LABELS_IN_FULL if in_full else STATUS_LABELS).get(status, status))


def metric_label(metric: str) -> str:
    return str(Metric(metric).label) if metric in Metric.values else metric


def place_kind_label(kind: str) -> str:
    return str(dict(PlaceKind.choices).get(kind, kind))


def secondment_role_label(role: str) -> str:
    return str(dict(SecondmentRole.choices).get(role, role))


def area_flag_label(flag: str) -> str:
    return str(AREA_FLAG_LABELS.get(flag, flag))


def cell_flag_label(flag: str) -> str:
    """ "below 3 official members (R14 – size of a cell)": the finding, and the rule it follows
    if any, with its name."""
    text = str(CELL_FLAG_LABELS.get(flag, flag))
    return f"{text} ({rule_title(CELL_FLAG_RULES[flag])})" if flag in CELL_FLAG_RULES else text


def cell_flag_rows(flags: Sequence[str]) -> list[dict[str, str]]:
    """Each finding as a page lists it: its key, its words and the rule it follows (R14, the
    rest DESIGN §7)."""
    return [
        {
            "key": f,
            "label": str(CELL_FLAG_LABELS[f]),
            "rule": rule_title(CELL_FLAG_RULES.get(f, "§7")),
        }
        for f in flags
    ]


def dimension_label(dimension: str) -> str:
    return str(DIMENSION_LABELS.get(dimension, dimension))


def dimension_title(dimension: str) -> str:
    return str(DIMENSION_TITLES.get(dimension, dimension))


def value_label(dimension: str, value: str, *, under_title: bool = False) -> str:
    """A composition value as the reader knows it; ethnicity and religion are shown as recorded.
    Under a title that names the dimension, Youth Union membership is a plain yes or no."""
    if value == "":
        return _("not recorded")
    if dimension in CHOICES:
        return str(dict(CHOICES[dimension].choices).get(value, value))
    if dimension == "age_band":
        return str(AGE_BAND_LABELS.get(value, value.replace("-", "–")))
    if dimension == "youth_union":
        if value.lower() in YES:
            return _("yes") if under_title else _("Youth Union member")
        if value.lower() in NO:
            return _("no") if under_title else _("not a Youth Union member")
    return value


def value_order(dimension: str, counts: Mapping[str, int]) -> list[str]:
    """Keys in the order of their list (age bands youngest first), free text by count, then
    "not recorded" last."""
    if dimension in CHOICES:
        known = [v for v in CHOICES[dimension].values if v in counts]
    elif dimension == "age_band":
        known = [v for v in ("under_18", *AGE_BANDS) if v in counts]
    elif dimension == "youth_union":
        known = [v for v in (*YES, *NO) if v in counts]
    else:
        known = []
    rest = sorted(
        (v for v in counts if v not in known and v != ""), key=lambda v: (-counts[v], sort_key(v))
    )
    return known + rest + ([""] if "" in counts else [])


def dimension_order(by: Mapping[str, object]) -> list[str]:
    return [d for d in DIMENSIONS if d in by] + sorted(d for d in by if d not in DIMENSIONS)


def day_text(day: dt.date) -> str:
    """A date in a table or a subtitle: 22/11/2026."""
    return day.strftime("%d/%m/%Y")


def month_label(day: dt.date) -> str:
    """A point of a monthly curve: the month at a month's end, else the day (22/11)."""
    if (day + dt.timedelta(days=1)).day == 1:
        return str(MONTHS_SHORT[day.month - 1])
    return day.strftime("%d/%m")


def place_date_line(place: str, day: dt.date) -> str:
    """ "Hải Dương, ngày 22 tháng 11 năm 2026"; in English "Hai Duong, 22 November 2026"."""
    vietnamese = (translation.get_language() or "vi").startswith("vi")
    return _("%(place)s, %(day)s %(month)s %(year)s") % {
        "place": place,
        # Vietnamese documents write days below 10 with a zero: "ngày 05 tháng 3".
        "day": f"{day.day:02d}" if vietnamese else str(day.day),
        "month": str(MONTHS_IN_DATE_LINE[day.month - 1]),
        "year": day.year,
    }


def place_from_name(name: str) -> str:
    """The place in a unit's name, without "Đảng bộ tỉnh" and the like; the name if none."""
    stripped = _UNIT_WORDS.sub("", name.strip()).strip()
    return stripped or name.strip()


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return (
        pgettext("a report's table cell", "yes")
        if value
        else pgettext("a report's table cell", "no")
    )


# --- the party's form of a report (Hướng dẫn 36-HD/VPTW) -----------------------------------------

# The committee of a unit as its documents' numbers abbreviate it, by the words its name begins
# with: "Đảng bộ tỉnh Hải Dương" issues "…-BC/TU" (Tỉnh ủy), a district "…-BC/HU" (Huyện ủy), a
# commune or grassroots committee "…-BC/ĐU" (Đảng ủy), a cell "…-BC/CB".
_COMMITTEE_ABBREVIATIONS = (
    ("đảng bộ tỉnh", "TU"),
    ("đảng bộ thành phố", "TU"),  # Thành ủy
    ("đảng bộ thị xã", "TU"),  # Thị ủy
    ("đảng bộ huyện", "HU"),
    ("đảng bộ quận", "QU"),
    ("chi bộ", "CB"),
    ("đảng bộ", "ĐU"),
)
# The blank left for the number when the report has none yet: the office writes it in by hand.
NUMBER_BLANK = "\u00a0" * 8


def committee_abbreviation(name: str, issuer: str = "") -> str:
    """ "TU" for "Đảng bộ tỉnh Hải Dương"; "BTCTU" with the issuer "Ban Tổ chức" (the initials of
    the issuing body before its committee's)."""
    words = " ".join(name.lower().split())
    found = next(
        (abbr for start, abbr in _COMMITTEE_ABBREVIATIONS if words.startswith(start)), "ĐU"
    )
    initials = "".join(w[0] for w in issuer.split() if w[0].isalpha()).upper()
    return initials + found


def number_line(number: str, abbreviation: str, kind: str = "BC") -> str:
    """ "Số 12-BC/TU"; with no number, a blank to fill in: "Số        -BC/TU"."""
    return _("No. %(number)s-%(kind)s/%(committee)s") % {
        "number": number.strip() or NUMBER_BLANK,
        "kind": kind,
        "committee": abbreviation,
    }


def default_recipients() -> tuple[str, ...]:
    """Where a report goes when its issuer names no one: up to the committee above, and a copy
    kept by the issuer's office."""
    return (_("The committee above (to report)"), _("Filed at the office"))


def recipient_lines(recipients: Sequence[str]) -> tuple[str, ...]:
    """ "- Ban Tổ chức Tỉnh ủy," … "- Lưu Văn phòng.": each on its own line with a dash, the
    last ending in a full stop, as the form lists them."""
    items = [r.strip().strip(",.;").strip() for r in recipients if r.strip()]
    return tuple(f"- {item}{'.' if i == len(items) - 1 else ','}" for i, item in enumerate(items))
